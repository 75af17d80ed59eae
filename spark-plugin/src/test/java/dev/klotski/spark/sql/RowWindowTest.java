package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.TestSessions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exec holds windows of batch.rows rows, never the partition: counting the rows its child has produced and
 * the rows it has emitted (two nondeterministic UDFs, one on each side, in one local task), the difference never
 * exceeds one window, or two with batch.overlap (the next window is generated while the current one finishes).
 */
class RowWindowTest {
    private static final AtomicLong PULLED = new AtomicLong();
    private static final AtomicLong EMITTED = new AtomicLong();
    private static final AtomicLong MOST_HELD = new AtomicLong();
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[1]").config("spark.sql.adaptive.enabled", "false").getOrCreate();
        spark.udf().register("pulled", udf((UDF1<String, String>) s -> {
            PULLED.incrementAndGet();
            return s;
        }, DataTypes.StringType).asNondeterministic());
        spark.udf().register("emitted", udf((UDF1<Long, Long>) id -> {
            long held = PULLED.get() - EMITTED.incrementAndGet() + 1; // this row is still held until now
            MOST_HELD.accumulateAndGet(held, Math::max);
            return id;
        }, DataTypes.LongType).asNondeterministic());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aTenThousandRowPartitionIsHeldOneWindowAtATimeOrTwoWithOverlap() {
        for (boolean overlap : new boolean[] {false, true}) {
            for (int window : new int[] {1, 1000}) {
                PULLED.set(0);
                EMITTED.set(0);
                MOST_HELD.set(0);
                Map<String, String> opts = Map.of("batch.rows", Integer.toString(window),
                        "batch.overlap", Boolean.toString(overlap));
                Dataset<Row> in = spark.range(0, 10_000, 1, 1)
                        .select(col("id"), callUDF("pulled", concat(lit("row "), col("id"))).as("prompt"))
                        .withColumn("out", moeGenerate(col("prompt"), opts))
                        .select(callUDF("emitted", col("id")).as("id"), col("out"));
                List<Row> rows = in.collectAsList(); // collected, not counted: a count prunes the call
                assertEquals(10_000, rows.size());
                for (int i = 0; i < rows.size(); i++) {
                    assertEquals(i, rows.get(i).getLong(0), "rows in input order");
                }
                assertEquals(10_000, PULLED.get(), "every input row read once");
                int most = overlap ? 2 * window : window;
                assertTrue(MOST_HELD.get() >= 1 && MOST_HELD.get() <= most, "batch.rows " + window + ", overlap "
                        + overlap + ": at most " + most + " rows held, held " + MOST_HELD.get());
            }
        }
    }
}
