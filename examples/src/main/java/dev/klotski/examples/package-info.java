/** Runnable Spark jobs: {@link dev.klotski.examples.EtlJob} and {@link dev.klotski.examples.Benchmark}. */
package dev.klotski.examples;
