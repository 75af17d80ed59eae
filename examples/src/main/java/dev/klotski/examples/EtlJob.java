package dev.klotski.examples;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;

import dev.klotski.spark.plugin.EngineLoadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Prompts (Parquet or JSONL, columns {@code id} and {@code prompt}) -> generated text -> Parquet.
 * Idempotent: outputs are seeded by each row's content and id, and the output folder is replaced, so a
 * re-run writes the same rows. Spark settings (model, plugin) come from spark-submit or spark-defaults.
 * The table is written to a sibling folder ({@code <output>.klotski-tmp-<app id>}) and renamed into place only
 * once the write succeeded, so a reader never takes a partial output for a finished table; a failed run
 * deletes that folder and leaves any earlier output as it was.
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
            Dataset<Row> generated = prompts.withColumn("output", moeGenerate(col("prompt"), Map.of(
                    "max_new_tokens", args.get("max-new-tokens", "32"), "id_column", "id")));
            writeAtomically(spark, generated, output);
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

    /**
     * Writes the rows as Parquet to a temporary sibling of {@code output}, then moves that into place with the
     * file system's rename, which is atomic on a local disk and HDFS (not on object stores, where rename copies).
     * An existing output is renamed away first and deleted last; the moment between the two renames has no
     * table rather than a partial one. If the write fails its folder is deleted and the old output stays.
     */
    static void writeAtomically(SparkSession spark, Dataset<Row> rows, String output) {
        String app = spark.sparkContext().applicationId();
        try {
            FileSystem fs = new Path(output).getFileSystem(spark.sparkContext().hadoopConfiguration());
            Path out = fs.makeQualified(new Path(output));
            Path tmp = sibling(out, ".klotski-tmp-" + app);
            Path old = sibling(out, ".klotski-old-" + app);
            try {
                rows.write().mode(SaveMode.Overwrite).parquet(tmp.toString());
            } catch (Throwable e) { // SparkException too, which Spark throws undeclared
                deleteQuietly(fs, tmp, e);
                throw e;
            }
            boolean replacing = fs.exists(out);
            if (replacing && !fs.rename(out, old)) {
                deleteQuietly(fs, tmp, null);
                throw new IOException("could not move the old output aside to " + old);
            }
            if (!fs.rename(tmp, out)) { // out does not exist now, so this cannot nest tmp inside it
                if (replacing) {
                    fs.rename(old, out);
                }
                deleteQuietly(fs, tmp, null);
                throw new IOException("could not move the new output " + tmp + " into place");
            }
            if (replacing) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + output + ": " + e.getMessage(), e);
        }
    }

    private static Path sibling(Path p, String suffix) {
        return new Path(p.getParent(), p.getName() + suffix);
    }

    private static void deleteQuietly(FileSystem fs, Path p, Throwable cause) {
        try {
            fs.delete(p, true);
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    static Dataset<Row> read(SparkSession spark, String input) {
        return input.endsWith(".parquet") || !input.contains(".json") ? spark.read().parquet(input)
                : spark.read().schema("id LONG, prompt STRING").json(input);
    }
}
