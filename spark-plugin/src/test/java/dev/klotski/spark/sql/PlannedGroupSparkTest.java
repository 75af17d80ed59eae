package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.ProfileCache;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With a device budget and the executor's cached hardware profile, the engine runs the planner's group
 * (spark.klotski.plan auto, the default); a group setting the user gives is kept, plan off runs the defaults, and
 * in batch-invariant mode none of it changes a row. Local mode: the executor is this JVM, so the cache folder is
 * this JVM's {@value ProfileCache#DIR_PROPERTY}.
 */
class PlannedGroupSparkTest {
    private static final Path MODEL = Path.of(System.getProperty("klotski.repo.root", "."), "engine-core",
            "src", "test", "resources", "golden", "tiny-qwen3-moe").normalize();
    private static SparkSession spark;
    private static String previousCache;
    private static Path cache;

    @BeforeAll
    static void start() throws Exception {
        cache = Files.createTempDirectory("klotski-planned-spark");
        previousCache = System.getProperty(ProfileCache.DIR_PROPERTY);
        System.setProperty(ProfileCache.DIR_PROPERTY, cache.toString());
        // A small, quick profile: the test checks that the plan is used, not how good it is.
        ProbeSettings quick = new ProbeSettings(1 << 20, 1 << 20, List.of(1, 4, 16), List.of(1, 4), 8, 1, 20);
        HardwareProfile profile = new HardwareProber(1, true, quick, line -> { }).measure(MODEL);
        profile.write(ProfileCache.defaultFile(profile.key()));
        spark = TestSessions.local("local[1]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                .config("spark.klotski.batch-invariant", "true")
                .config("spark.klotski.device-budget", "50%")
                .config("spark.sql.adaptive.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (previousCache == null) {
            System.clearProperty(ProfileCache.DIR_PROPERTY);
        } else {
            System.setProperty(ProfileCache.DIR_PROPERTY, previousCache);
        }
    }

    private record Run(List<Row> rows, Map<String, Long> metrics) {
    }

    private static Run generate(Map<String, String> opts) {
        Dataset<Row> prompts = spark.range(0, 6, 1, 1).selectExpr("id", "concat('Tell me about the number ', id) AS prompt");
        Dataset<Row> df = prompts.withColumn("out", moeGenerate(col("prompt"), opts));
        List<Row> rows = df.collectAsList();
        return new Run(rows, new HashMap<>(ExecFinder.metrics(df.queryExecution().executedPlan())));
    }

    /** plan measure on an executor without a profile: the first load measures one, caches it and plans with it. */
    @Test
    void planMeasureMakesTheProfileTheExecutorLacks() throws Exception {
        Path threeThreads = dev.klotski.engine.plan.ProfileCache.defaultDir();
        long before = countProfiles(threeThreads);
        Run measured = generate(Map.of("max_new_tokens", "4", "engine.threads", "3", "plan", "measure"));
        assertEquals(before + 1, countProfiles(threeThreads), "one profile measured and cached for 3 threads");
        assertTrue(measured.metrics().get("groupBatches") >= 1, "planned from it " + measured.metrics());
    }

    private static long countProfiles(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
        }
    }

    @Test
    void theExecutorRunsThePlannersGroupKeepsWhatIsGivenAndRowsDoNotChange() {
        Run off = generate(Map.of("max_new_tokens", "4", "plan", "off"));
        assertEquals(0L, off.metrics().get("groupBatches"), "plan off: the default group " + off.metrics());
        assertEquals(0L, off.metrics().get("batchSize"), off.metrics().toString());

        Run planned = generate(Map.of("max_new_tokens", "4"));
        assertTrue(planned.metrics().get("groupBatches") >= 1 && planned.metrics().get("batchSize") >= 1,
                "plan auto with a cached profile: the planner's n and b " + planned.metrics());
        assertEquals(off.rows(), planned.rows(), "the group never changes a batch-invariant row");

        Run given = generate(Map.of("max_new_tokens", "4", "group.batches", "3"));
        assertEquals(3L, given.metrics().get("groupBatches"), "a given n is kept " + given.metrics());
        assertTrue(given.metrics().get("batchSize") >= 1, "b still the planner's " + given.metrics());
        assertEquals(off.rows(), given.rows());
    }
}
