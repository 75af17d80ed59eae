package dev.klotski.spark.datasource;

import java.util.Locale;
import org.apache.spark.sql.connector.read.InputPartition;

/** One prompt file to read, and its format ("jsonl" or "parquet"). */
record PromptFile(String path, String format) implements InputPartition {

    /** The explicit format option, else the file's extension; JSONL when nothing says otherwise. */
    static String formatOf(String fileName, String option) {
        if (!option.isEmpty()) {
            String f = option.toLowerCase(Locale.ROOT);
            if (!f.equals("jsonl") && !f.equals("json") && !f.equals("parquet")) {
                throw new IllegalArgumentException("klotski format option must be jsonl or parquet, got " + option);
            }
            return f.equals("parquet") ? "parquet" : "jsonl";
        }
        return fileName.endsWith(".parquet") ? "parquet" : "jsonl";
    }
}
