package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.util.List;
import java.util.Map;
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

/** A task that dies after generating is retried (local[2,2]) and writes the same sampled rows. */
class TaskRetryTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2,2]").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void retriedTaskWritesTheSameRows() {
        Map<String, String> opts = Map.of("temperature", "1.0", "max_new_tokens", "5", "batch.rows", "4");
        Dataset<Row> in = spark.range(0, 40, 1, 2).selectExpr("id", "concat('retry prompt ', id) AS prompt");
        List<Row> clean = in.withColumn("out", moeGenerate(col("prompt"), opts)).collectAsList();

        // Fails partition 0's first attempt after its first generated row has come out of the exec.
        UserDefinedFunction failOnce = udf((UDF1<String, String>) s -> {
            TaskContext tc = TaskContext.get();
            if (tc.partitionId() == 0 && tc.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure, first attempt");
            }
            return s;
        }, DataTypes.StringType).asNondeterministic();
        FakeEngine.reset();
        List<Row> retried = in.withColumn("out", failOnce.apply(moeGenerate(col("prompt"), opts))).collectAsList();

        assertEquals(clean, retried);
        assertTrue(FakeEngine.requests().size() > 40, "partition 0 generated twice: " + FakeEngine.requests().size());
    }
}
