package dev.klotski.examples;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;

import dev.klotski.spark.plugin.EngineLoadLog;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Prompts (Parquet or JSONL, columns {@code id} and {@code prompt}) -> generated text -> Parquet.
 * Idempotent: outputs are seeded by each row's content and id, and the output folder is replaced, so a
 * re-run writes the same rows. Spark settings (model, plugin) come from spark-submit or spark-defaults.
 *
 * <pre>--input prompts.jsonl --output out/etl [--max-new-tokens 32] [--partitions N]</pre>
 */
public final class EtlJob {
    private EtlJob() {
    }

    public static void main(String[] argv) {
        Args args = new Args(argv);
        String input = args.require("input");
        String output = args.require("output");
        SparkSession spark = SparkSession.builder().appName("klotski-etl").getOrCreate();
        try {
            Dataset<Row> prompts = read(spark, input);
            int partitions = Integer.parseInt(args.get("partitions", "0"));
            if (partitions > 0) {
                prompts = prompts.repartition(partitions);
            }
            prompts.withColumn("output", moeGenerate(col("prompt"), Map.of(
                            "max_new_tokens", args.get("max-new-tokens", "32"), "id_column", "id")))
                    .write().mode(SaveMode.Overwrite).parquet(output);
            Dataset<Row> written = spark.read().parquet(output);
            long rows = written.count();
            long ids = written.select("id").distinct().count();
            System.out.println("KLOTSKI_ETL rows=" + rows + " distinct_ids=" + ids + " input_rows=" + read(spark, input).count()
                    + " engine_loads=" + EngineLoadLog.loadsPerExecutor());
            System.out.println("wrote " + rows + " rows to " + output + "; the first ones:");
            for (Row r : written.orderBy("id").limit(3).collectAsList()) {
                System.out.printf("  %s | %s -> %s%n", r.getAs("id"), r.getAs("prompt"), r.getAs("output"));
            }
        } finally {
            spark.stop();
        }
    }

    static Dataset<Row> read(SparkSession spark, String input) {
        return input.endsWith(".parquet") || !input.contains(".json") ? spark.read().parquet(input)
                : spark.read().schema("id LONG, prompt STRING").json(input);
    }
}
