/** The hospitals demonstration's set-up and run (brokers on loopback, the simulated platform), shared by the CLI's demo and the benchmarks. */
package dev.cloister.cleanroom.demo;
