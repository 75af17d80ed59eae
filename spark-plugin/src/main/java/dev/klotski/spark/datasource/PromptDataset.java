package dev.klotski.spark.datasource;

import dev.klotski.spark.conf.GenerateOptions;
import org.apache.spark.sql.types.StructType;

/**
 * What the klotski source reads: prompt files at {@code path} ("jsonl", "parquet", or "" to go by file names),
 * the generation options, and the output schema. Shared by the table and its scan.
 */
record PromptDataset(String path, String format, GenerateOptions opts, StructType schema) {
}
