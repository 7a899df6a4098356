/** JMH micro-benchmarks of Cloister's hot paths, each beside the primitive it is built on, measured in the same JVM. */
package dev.cloister.bench;
