/**
 * Driver and executor plugins: one engine per executor JVM ({@link dev.klotski.spark.plugin.ExecutorEngines}),
 * bound to the executor's GPU where it has one, shared by its tasks and closed when it stops.
 */
package dev.klotski.spark.plugin;
