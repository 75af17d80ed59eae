package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spark.klotski.device-budget and the other offloading settings reach the executor's engine: rows equal the
 * resident engine's, and the SQL metrics show the hit rate and the bytes read.
 */
class OffloadedSparkTest {
    private static final Path MODEL = Path.of(System.getProperty("klotski.repo.root", "."), "engine-core",
            "src", "test", "resources", "golden", "tiny-qwen3-moe").normalize();
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                .config("spark.sql.adaptive.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Dataset<Row> prompts() {
        return spark.range(0, 12, 1, 3).selectExpr("id", "concat('Tell me about the number ', id) AS prompt");
    }

    private static List<Row> generate(Map<String, String> opts, Map<String, Long> metrics) {
        Dataset<Row> df = prompts().withColumn("out", moeGenerate(col("prompt"), opts)).orderBy("id");
        List<Row> rows = df.collectAsList();
        metrics.putAll(ExecFinder.metrics(df.queryExecution().executedPlan()));
        return rows;
    }

    @Test
    void offloadedRowsEqualResidentOnesAndTheMetricsShowTheTraffic() {
        Map<String, Long> resident = new java.util.HashMap<>();
        List<Row> expected = generate(Map.of("max_new_tokens", "6", "batch.rows", "4"), resident);
        spark.conf().set("spark.klotski.device-budget", "30%");
        spark.conf().set("spark.klotski.prefetch", "next-gate");
        try {
            Map<String, Long> offloaded = new java.util.HashMap<>();
            List<Row> rows = generate(Map.of("max_new_tokens", "6", "batch.rows", "4"), offloaded);
            assertEquals(expected, rows, "offloading changes speed, never rows");
            assertEquals(0L, resident.get("expertBytesRead"), resident.toString());
            assertTrue(offloaded.get("expertBytesRead") > 0, offloaded.toString());
            assertTrue(offloaded.get("expertLoads") > 0, offloaded.toString());
            assertTrue(offloaded.get("expertHits") < offloaded.get("expertLookups"),
                    "30% of the experts cannot serve every lookup: " + offloaded);
        } finally {
            spark.conf().unset("spark.klotski.device-budget");
            spark.conf().unset("spark.klotski.prefetch");
        }
    }

    /**
     * Two tasks at once on one executor (local[2]) join the engine's one group: each call ran in a group larger
     * than its own rows, and the pair reads fewer expert bytes than the same rows one window after the other. So
     * do one task's consecutive windows with batch.overlap (the default).
     */
    @Test
    void twoTasksAtOnceShareTheEnginesGroupAndReadFewerBytes() {
        spark.conf().set("spark.klotski.device-budget", "30%");
        spark.conf().set("spark.klotski.pool-share", "0.5");
        Map<String, String> opts = Map.of("max_new_tokens", "24", "batch.rows", "4");
        try {
            Dataset<Row> rows = spark.range(0, 8, 1, 2).selectExpr("id", "concat('Tell me about the number ', id) AS prompt");
            // No orderBy: its range sampling would run the generation twice and double the metrics.
            Dataset<Row> together = rows.withColumn("out", moeGenerate(col("prompt"), opts));
            List<Row> a = byId(together.collectAsList());
            Map<String, Long> shared = ExecFinder.metrics(together.queryExecution().executedPlan());
            Map<String, String> oneAtATime = new java.util.HashMap<>(opts);
            oneAtATime.put("batch.overlap", "false");
            Dataset<Row> serial = rows.coalesce(1).withColumn("out", moeGenerate(col("prompt"), oneAtATime));
            List<Row> b = byId(serial.collectAsList());
            Map<String, Long> alone = ExecFinder.metrics(serial.queryExecution().executedPlan());
            Dataset<Row> overlapped = rows.coalesce(1).withColumn("out", moeGenerate(col("prompt"), opts));
            List<Row> c = byId(overlapped.collectAsList());
            Map<String, Long> windows = ExecFinder.metrics(overlapped.queryExecution().executedPlan());
            System.out.printf("spark: two tasks at once %s; one after the other %s; one task, overlapping windows %s%n",
                    shared, alone, windows);
            assertEquals(b, a, "sharing a group changes no row");
            assertEquals(b, c, "overlapping windows change no row");
            assertEquals(8L, windows.get("groupRows"), "batch.overlap: the task's second window joined the first's "
                    + "group: " + windows);
            assertTrue(windows.get("expertBytesRead") < alone.get("expertBytesRead"),
                    "one load serves both windows' rows: " + windows + " vs " + alone);
            assertEquals(4L, alone.get("groupRows"), "one task: each call of 4 rows ran alone");
            assertEquals(2 * 8L, shared.get("groupRows"), "each of the two tasks ran in a group of all 8 rows (the "
                    + "metric sums the tasks' largest groups): " + shared);
            assertTrue(shared.get("expertBytesRead") < alone.get("expertBytesRead"),
                    "one load serves both tasks' rows: " + shared + " vs " + alone);
        } finally {
            spark.conf().unset("spark.klotski.device-budget");
            spark.conf().unset("spark.klotski.pool-share");
        }
    }

    private static List<Row> byId(List<Row> rows) {
        return rows.stream().sorted(java.util.Comparator.comparingLong(r -> r.getLong(0))).toList();
    }

    @Test
    void aBadBudgetOrPolicyIsRefusedWhenThePlanIsChecked() {
        Exception budget = assertThrows(Exception.class, () -> generate(Map.of("device-budget", "lots"),
                new java.util.HashMap<>()));
        assertTrue(rootMessage(budget).contains("device-budget"), rootMessage(budget));
        Exception policy = assertThrows(Exception.class, () -> generate(Map.of("device-budget", "50%",
                "policy", "fifo"), new java.util.HashMap<>()));
        assertTrue(rootMessage(policy).contains("policy") && rootMessage(policy).contains("lru"), rootMessage(policy));
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
