/** The {@code klotski} data source: a prompt dataset in, the prompts with their generated outputs out. */
package dev.klotski.spark.datasource;
