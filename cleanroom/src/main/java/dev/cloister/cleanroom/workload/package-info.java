/** Workloads: the bundle whose digest is the simulated launch measurement, and the first workload, pooled logistic regression. */
package dev.cloister.cleanroom.workload;
