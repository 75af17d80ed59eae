package dev.klotski.examples;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rows/s and generated tokens/s of moe_generate across partition counts and batch.rows settings, on
 * synthetic prompts. Each setting runs --repeats times and the run with the median time is reported, since
 * single runs on shared machines drift. Prints a table and writes JSON.
 *
 * <pre>--rows 64 --partitions 1,2 --batch-rows 1,8,32 --max-new-tokens 16 --repeats 3 --out out/bench.json</pre>
 */
public final class Benchmark {
    private Benchmark() {
    }

    record Result(int partitions, int batchRows, long rows, long tokens, double seconds) {
        double rowsPerSecond() {
            return rows / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }

        String json() {
            return String.format(java.util.Locale.ROOT,
                    "{\"partitions\":%d,\"batch_rows\":%d,\"rows\":%d,\"generated_tokens\":%d,\"seconds\":%.3f,"
                            + "\"rows_per_s\":%.2f,\"tokens_per_s\":%.2f}",
                    partitions, batchRows, rows, tokens, seconds, rowsPerSecond(), tokensPerSecond());
        }
    }

    public static void main(String[] argv) throws IOException {
        Args args = new Args(argv);
        long rows = Long.parseLong(args.get("rows", "64"));
        String maxNew = args.get("max-new-tokens", "16");
        int repeats = Integer.parseInt(args.get("repeats", "3"));
        SparkSession spark = SparkSession.builder().appName("klotski-bench").getOrCreate();
        List<Result> results = new ArrayList<>();
        try {
            run(spark, Math.min(rows, 8), 1, 8, maxNew); // warm-up: first job, engine load and JIT stay out of the table
            for (String p : args.get("partitions", "1,2").split(",")) {
                for (String b : args.get("batch-rows", "1,8,32").split(",")) {
                    results.add(median(spark, rows, Integer.parseInt(p), Integer.parseInt(b), maxNew, repeats));
                }
            }
        } finally {
            spark.stop();
        }
        System.out.printf("%10s %10s %8s %10s %9s %10s %10s%n", "partitions", "batch.rows", "rows", "gen.tokens",
                "seconds", "rows/s", "tokens/s");
        for (Result r : results) {
            System.out.printf("%10d %10d %8d %10d %9.2f %10.2f %10.2f%n", r.partitions(), r.batchRows(), r.rows(),
                    r.tokens(), r.seconds(), r.rowsPerSecond(), r.tokensPerSecond());
        }
        Path out = Path.of(args.get("out", "out/bench.json"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, "[" + String.join(",\n", results.stream().map(Result::json).toList()) + "]\n");
        System.out.println("wrote " + out);
    }

    private static Result median(SparkSession spark, long rows, int partitions, int batchRows, String maxNew,
                                 int repeats) {
        List<Result> runs = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            runs.add(run(spark, rows, partitions, batchRows, maxNew, r));
        }
        runs.sort(java.util.Comparator.comparingDouble(Result::seconds));
        return runs.get(runs.size() / 2);
    }

    private static Result run(SparkSession spark, long rows, int partitions, int batchRows, String maxNew) {
        return run(spark, rows, partitions, batchRows, maxNew, -1);
    }

    private static Result run(SparkSession spark, long rows, int partitions, int batchRows, String maxNew,
                              int repeat) {
        long t0 = System.nanoTime();
        // A distinct prompt per run and row, so no run reuses another's work; every repeat has the same shape.
        Row agg = spark.range(0, rows, 1, partitions)
                .selectExpr("concat('Benchmark prompt ', id, ' with partitions " + partitions + " batch " + batchRows
                        + " run " + repeat + "') AS prompt")
                .withColumn("o", moeGenerate(col("prompt"), Map.of("max_new_tokens", maxNew,
                        "batch.rows", Integer.toString(batchRows), "output", "struct")))
                .agg(org.apache.spark.sql.functions.count("*"), sum("o.generated_tokens"))
                .first();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(partitions, batchRows, agg.getLong(0), agg.isNullAt(1) ? 0 : agg.getLong(1), seconds);
    }
}
