package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.spark.plugin.EngineLoadLog;
import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** moe_generate on a real local[2] session, against the recording {@link FakeEngine}. */
class MoeGenerateTest {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void resetEngine() {
        FakeEngine.reset();
    }

    /** n prompts in a fixed partitioning and order, so two evaluations see the same rows in the same place. */
    private static Dataset<Row> prompts(int n, int partitions) {
        return spark.range(0, n, 1, partitions)
                .selectExpr("id", "concat('prompt number ', id, ' about topic ', id % 7) AS prompt");
    }

    /** What the engine returns for this prompt when called directly with the same options and row seed. */
    private static String direct(String prompt, SamplingParams params, long baseSeed) {
        long seed = RowSeed.of(baseSeed, prompt.getBytes(StandardCharsets.UTF_8), null);
        return FakeEngine.complete(0, GenerationRequest.ofText(prompt, params.withSeed(seed)), 1).text();
    }

    @Test
    void pluginAloneInstallsTheExtension() {
        assertTrue(spark.conf().get("spark.sql.extensions").contains(KlotskiExtensions.class.getName()));
    }

    @Test
    void columnApiMatchesTheEngineCalledDirectly() {
        List<Row> out = prompts(20, 2).withColumn("out", moeGenerate(col("prompt"))).collectAsList();
        assertEquals(20, out.size());
        for (Row r : out) {
            assertEquals(direct(r.getString(1), SamplingParams.GREEDY, 0), r.getString(2));
        }
        assertEquals(Map.of("driver", 1), EngineLoadLog.loadsPerExecutor(), "one engine for the local executor");
    }

    @Test
    void sqlFunctionWithOptionsOverridesConf() {
        prompts(10, 2).createOrReplaceTempView("prompts");
        List<Row> out = spark.sql("SELECT id, prompt, moe_generate(prompt, map('max_new_tokens', '3',"
                + " 'temperature', '0.7', 'seed', '11')) AS out FROM prompts").collectAsList();
        SamplingParams params = new SamplingParams(3, 0.7f, 0, 1f, 0, List.of(), 0);
        for (Row r : out) {
            assertEquals(3, r.getString(2).split(" ").length);
            assertEquals(direct(r.getString(1), params, 11), r.getString(2));
        }
    }

    @Test
    void confDefaultsApplyWhenNoOptionIsGiven() {
        spark.conf().set("spark.klotski.max_new_tokens", "2");
        try {
            Row r = spark.sql("SELECT moe_generate('a b c d') AS out").first();
            assertEquals("d c", r.getString(0));
        } finally {
            spark.conf().unset("spark.klotski.max_new_tokens");
        }
    }

    @Test
    void stopStringsAndChatReachTheEngine() {
        Row r = spark.sql("SELECT moe_generate('a b c', map('stop', 'b', 'chat', 'true', 'max_new_tokens', '4'))")
                .first();
        assertEquals("[/INST] c ", r.getString(0));
        assertTrue(FakeEngine.requests().get(0).chat());
        assertEquals(null, FakeEngine.requests().get(0).system());
        FakeEngine.reset();
        spark.sql("SELECT moe_generate('a b c', map('chat', 'true', 'system', 'Be brief.', 'max_new_tokens', '2'))")
                .first();
        assertEquals("Be brief.", FakeEngine.requests().get(0).system());
        Exception noChat = assertThrows(Exception.class,
                () -> spark.sql("SELECT moe_generate('a', map('system', 'Be brief.'))").first());
        assertTrue(String.valueOf(noChat.getMessage()).contains("set chat=true"), noChat.getMessage());
    }

    @Test
    void unknownOptionAndMissingModelAreClearErrors() {
        Exception bad = assertThrows(Exception.class,
                () -> spark.sql("SELECT moe_generate('x', map('max_tokens', '3'))").collect());
        assertTrue(bad.getMessage().contains("unknown moe_generate option 'max_tokens'"), bad.getMessage());
        spark.conf().unset("spark.klotski.model");
        try {
            Exception missing = assertThrows(Exception.class, () -> spark.sql("SELECT moe_generate('x')").collect());
            assertTrue(missing.getMessage().contains("spark.klotski.model is not set"), missing.getMessage());
        } finally {
            spark.conf().set("spark.klotski.model", "/models/fake");
        }
    }

    @Test
    void nullAndEmptyPromptsSkipTheEngine() {
        List<Row> rows = List.of(RowFactory.create(0L, null), RowFactory.create(1L, ""), RowFactory.create(2L, "hi"));
        // No orderBy after generating: a sort samples its input in an extra job, which would generate twice.
        List<Row> out = spark.createDataFrame(rows, SCHEMA).coalesce(1).withColumn("out", moeGenerate(col("prompt")))
                .collectAsList();
        assertNull(out.get(0).get(2));
        assertEquals("", out.get(1).getString(2));
        assertEquals(direct("hi", SamplingParams.GREEDY, 0), out.get(2).getString(2));
        assertEquals(1, FakeEngine.requests().size(), "only the non-empty prompt reaches the engine");
    }

    @Test
    void overLongPromptFailsNamingTheRowOrIsTruncated() {
        String longPrompt = "word ".repeat(120).trim();
        List<Row> rows = List.of(RowFactory.create(0L, "short"), RowFactory.create(1L, longPrompt));
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).coalesce(1);
        Exception e = assertThrows(Exception.class,
                () -> df.withColumn("out", moeGenerate(col("prompt"), Map.of("max_new_tokens", "4"))).collect());
        String msg = rootMessage(e);
        assertTrue(msg.contains("moe_generate: row 1 of partition 0") && msg.contains("word word"), msg);
        List<Row> ok = df.withColumn("out", moeGenerate(col("prompt"),
                Map.of("max_new_tokens", "4", "on_overflow", "truncate"))).collectAsList();
        assertEquals("word word word word", ok.get(1).getString(2));
    }

    @Test
    void rowsComeBackInInputOrder() {
        Dataset<Row> in = prompts(300, 3);
        List<Long> expected = in.select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
        List<Row> out = in.withColumn("out", moeGenerate(col("prompt"), Map.of("batch.rows", "7")))
                .collectAsList();
        List<Long> ids = new ArrayList<>();
        for (Row r : out) {
            ids.add(r.getLong(0));
            assertEquals(direct(r.getString(1), SamplingParams.GREEDY, 0), r.getString(2), "row joined to its result");
        }
        assertEquals(expected, ids);
    }

    @Test
    void rowsReachTheEngineInBatchesOfBatchRows() {
        Dataset<Row> in = prompts(50, 2);
        long perPartitionMax = in.groupBy(org.apache.spark.sql.functions.spark_partition_id()).count()
                .agg(org.apache.spark.sql.functions.max("count")).first().getLong(0);
        FakeEngine.reset();
        long t0 = System.nanoTime();
        in.withColumn("out", moeGenerate(col("prompt"), Map.of("batch.rows", "10"))).collect();
        long expectedCalls = in.groupBy(org.apache.spark.sql.functions.spark_partition_id()).count()
                .collectAsList().stream().mapToLong(r -> (r.getLong(1) + 9) / 10).sum();
        List<Integer> sizes = FakeEngine.batchSizes();
        assertEquals(expectedCalls, sizes.size(), "one engine call per 10 rows of each partition: " + sizes);
        assertEquals(50, sizes.stream().mapToInt(Integer::intValue).sum());
        assertEquals(Math.min(10, perPartitionMax), sizes.stream().mapToInt(Integer::intValue).max().orElse(0));
        System.out.printf("batching: 50 rows, batch.rows=10 -> calls %s in %d ms%n", sizes,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void samplingIsDeterministicAcrossRepartitioning() {
        Map<String, String> opts = Map.of("temperature", "0.9", "max_new_tokens", "6", "seed", "5");
        Dataset<Row> base = prompts(60, 1);
        Map<Long, String> one = byId(base.withColumn("out", moeGenerate(col("prompt"), opts)));
        Map<Long, String> five = byId(base.repartition(5).withColumn("out", moeGenerate(col("prompt"),
                Map.of("temperature", "0.9", "max_new_tokens", "6", "seed", "5", "batch.rows", "3"))));
        assertEquals(one, five);
        assertTrue(one.values().stream().distinct().count() > 10, "rows are sampled with different seeds");
    }

    @Test
    void idColumnChangesTheSeed() {
        List<Row> rows = List.of(RowFactory.create(1L, "same"), RowFactory.create(2L, "same"));
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
        List<Row> noId = df.withColumn("out", moeGenerate(col("prompt"), Map.of("temperature", "1"))).collectAsList();
        assertEquals(noId.get(0).getString(2), noId.get(1).getString(2), "same prompt, same seed");
        List<Row> withId = df.withColumn("out", moeGenerate(col("prompt"),
                Map.of("temperature", "1", "id_column", "id"))).collectAsList();
        assertTrue(!withId.get(0).getString(2).equals(withId.get(1).getString(2)), "ids separate the seeds");
    }

    @Test
    void structOutputCarriesCountsAndFinishReason() {
        Row r = spark.sql("SELECT moe_generate('a b c', map('output', 'struct', 'max_new_tokens', '2')) AS o")
                .select("o.text", "o.prompt_tokens", "o.generated_tokens", "o.finish_reason", "o.latency_ms").first();
        assertEquals("c b", r.getString(0));
        assertEquals(4, r.getInt(1));
        assertEquals(2, r.getInt(2));
        assertEquals("length", r.getString(3));
        assertEquals(3L, r.getLong(4));
    }

    @Test
    void nestedCallsAndFiltersOnTheOutputRunTheEngineOncePerRow() {
        prompts(8, 2).createOrReplaceTempView("p8");
        List<Row> out = spark.sql("SELECT * FROM (SELECT id, moe_generate(moe_generate(prompt, map('max_new_tokens',"
                + " '2'))) AS out FROM p8) WHERE out IS NOT NULL").collectAsList();
        assertEquals(8, out.size());
        assertEquals(16, FakeEngine.requests().size(), "inner and outer call, once per row each");
    }

    @Test
    void execReportsSqlMetrics() {
        spark.conf().set("spark.sql.adaptive.enabled", "false");
        try {
            Dataset<Row> df = prompts(30, 2).withColumn("out", moeGenerate(col("prompt"),
                    Map.of("max_new_tokens", "5", "batch.rows", "8")));
            df.collect();
            MoeGenerateExec exec = ExecFinder.find(df.queryExecution().executedPlan());
            Map<String, Long> m = new HashMap<>();
            CollectionConverters.asJava(exec.metrics()).forEach((k, v) -> m.put(k, v.value()));
            assertEquals(30L, m.get("numOutputRows"));
            assertEquals(150L, m.get("generatedTokens"));
            assertTrue(m.get("promptTokens") >= 30 * 7, m.toString());
            assertTrue(m.get("engineCalls") >= 4, m.toString());
            assertTrue(m.get("generationTime") > 0, m.toString());
            // The fake engine reports 4 expert lookups and 3 hits per row of each call.
            assertEquals(120L, m.get("expertLookups"), m.toString());
            assertEquals(90L, m.get("expertHits"), m.toString());
            assertTrue(m.get("expertHitRate") > 0, m.toString());
            String plan = df.queryExecution().executedPlan().toString();
            assertTrue(plan.contains("MoeGenerate"), plan);
        } finally {
            spark.conf().unset("spark.sql.adaptive.enabled");
        }
    }

    private static Map<Long, String> byId(Dataset<Row> df) {
        Map<Long, String> m = new HashMap<>();
        for (Row r : df.collectAsList()) {
            m.put(r.getLong(0), r.getString(2));
        }
        return m;
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
