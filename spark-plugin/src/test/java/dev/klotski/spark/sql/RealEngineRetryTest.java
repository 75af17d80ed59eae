package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.modelgen.ModelSpec;
import dev.klotski.engine.modelgen.RandomModelWriter;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real engine under a task retry: a sampled job whose partition 0 dies on its first attempt, after its
 * rows were generated, generates them again on the retry and writes the same rows as a clean run.
 */
class RealEngineRetryTest {
    /** Counts first attempts that were failed, so the test knows the retry really happened. */
    static final AtomicInteger INJECTED = new AtomicInteger();

    @TempDir
    static Path dir;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        Path model = dir.resolve("model");
        new RandomModelWriter(new ModelSpec("qwen3_moe", 2, 64, 2, 1, 4, 2, 96, 400, 512, 9)).write(model, n -> { });
        spark = TestSessions.local("local[2,2]")
                .config("spark.klotski.model", model.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void retriedTaskWritesTheSameSampledRows() {
        Map<String, String> opts = Map.of("temperature", "1.0", "top_p", "0.9", "max_new_tokens", "6",
                "batch.rows", "3");
        Dataset<Row> in = spark.range(0, 16, 1, 2).selectExpr("id", "concat('retry prompt ', id) AS prompt");
        List<Row> clean = in.withColumn("out", moeGenerate(col("prompt"), opts)).collectAsList();

        UserDefinedFunction failOnce = udf((UDF1<String, String>) s -> {
            TaskContext tc = TaskContext.get();
            if (tc.partitionId() == 0 && tc.attemptNumber() == 0) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure, first attempt");
            }
            return s;
        }, DataTypes.StringType).asNondeterministic();
        List<Row> retried = in.withColumn("out", failOnce.apply(moeGenerate(col("prompt"), opts))).collectAsList();

        assertTrue(INJECTED.get() > 0, "the first attempt of partition 0 failed");
        assertEquals(clean, retried);
        assertTrue(clean.stream().map(r -> r.getString(2)).distinct().count() > 1, "outputs differ by row");
    }
}
