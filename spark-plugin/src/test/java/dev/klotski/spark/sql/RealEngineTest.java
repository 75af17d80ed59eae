package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.cli.KlotskiCli;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** moe_generate with the real engine on the tiny Mixtral: Spark's text equals the engine's, row by row. */
class RealEngineTest {
    static final Path MODEL = Path.of(System.getProperty("klotski.repo.root", "."), "..", "shared", "golden",
            "tiny-mixtral").normalize();
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.isDirectory(MODEL), "../shared/golden/tiny-mixtral is not present: skipped");
        spark = TestSessions.local("local[2]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Dataset<Row> prompts() {
        return spark.range(0, 12, 1, 3).selectExpr("id",
                "concat('The capital of country ', id, ' is') AS prompt");
    }

    @Test
    void sparkTextEqualsTheEngineCalledDirectly() {
        Map<String, String> opts = Map.of("max_new_tokens", "6", "temperature", "0.8", "top_k", "20", "seed", "3",
                "batch.rows", "5");
        spark.conf().set("spark.sql.adaptive.enabled", "false");
        Dataset<Row> df = prompts().withColumn("out", moeGenerate(col("prompt"), opts));
        List<Row> rows = df.collectAsList();
        // Batching with the real engine: 3 partitions of 4 rows, batch.rows 5 -> one engine call per partition.
        Map<String, Long> metrics = ExecFinder.metrics(df.queryExecution().executedPlan());
        assertEquals(3L, metrics.get("engineCalls"), metrics.toString());
        assertEquals(12L, metrics.get("numOutputRows"), metrics.toString());
        List<GenerationRequest> direct = new ArrayList<>();
        for (Row r : rows) {
            long seed = RowSeed.of(3, r.getString(1).getBytes(StandardCharsets.UTF_8), null);
            direct.add(GenerationRequest.ofText(r.getString(1), new SamplingParams(6, 0.8f, 20, 1f, seed, List.of(), 0)));
        }
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(MODEL).optBatchInvariant(true)
                .optThreads(1).build())) {
            List<GenerationResult> expected = engine.generate(direct); // one batch of 12: a different batching
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(expected.get(i).text(), rows.get(i).getString(2), "row " + rows.get(i).getLong(0));
            }
        }
        assertTrue(rows.stream().map(r -> r.getString(2)).distinct().count() > 1, "outputs differ by row");
    }

    /** The contract: a row's text equals what `klotski generate` prints for the same prompt and options. */
    @Test
    void sparkTextEqualsTheCommandLine() throws Exception {
        Map<String, String> opts = Map.of("max_new_tokens", "6", "temperature", "0.8", "top_k", "20", "seed", "3");
        List<Row> rows = prompts().limit(3).withColumn("out", moeGenerate(col("prompt"), opts)).collectAsList();
        for (Row r : rows) {
            long seed = RowSeed.of(3, r.getString(1).getBytes(StandardCharsets.UTF_8), null);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = KlotskiCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "generate",
                    "--model", MODEL.toString(), "--prompt", r.getString(1), "--max-new-tokens", "6",
                    "--temperature", "0.8", "--top-k", "20", "--seed", Long.toString(seed), "--batch-invariant",
                    "--format", "json");
            assertEquals(0, code, err.toString());
            String cliText = new ObjectMapper().readTree(out.toString()).get("text").asText();
            assertEquals(cliText, r.getString(2), "row " + r.getLong(0));
        }
    }

    @Test
    void structOutputCountsRealTokens() {
        Row r = spark.sql("SELECT moe_generate('Hello', map('output', 'struct', 'max_new_tokens', '4')) AS o")
                .select("o.*").first();
        assertEquals(2, r.getInt(1), "BOS + 'Hello'");
        assertTrue(r.getInt(2) >= 1 && r.getInt(2) <= 4);
        assertTrue(List.of("eos", "length", "stop_string").contains(r.getString(3)));
    }
}
