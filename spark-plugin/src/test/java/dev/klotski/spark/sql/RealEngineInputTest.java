package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import dev.klotski.spark.testing.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;

/**
 * Awkward and hostile inputs through moe_generate with the real engine, on a one-layer model with a 256-token
 * context: what is generated as usual, what becomes a bad row, and that big partitions batch as asked.
 */
class RealEngineInputTest {
    private static final Path MODEL = TinyModels.small();
    private static final int CONTEXT = 256;
    private static final StructType SCHEMA = new StructType().add("n", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType);
    private static SparkSession spark;
    private static KlotskiEngine direct;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                .getOrCreate();
        direct = KlotskiEngine.open(EngineOptions.builder(MODEL).optBatchInvariant(true).optThreads(1).build());
        assertEquals(CONTEXT, direct.contextLength());
    }

    @AfterAll
    static void stop() {
        spark.stop();
        direct.close();
    }

    private static Map<String, String> opts(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("output", "struct", "on_error", "null", "max_new_tokens", "4",
                "temperature", "0.8"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The struct output of each prompt, in order (one partition). */
    private static List<Row> generate(List<String> prompts, Map<String, String> options) {
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            in.add(RowFactory.create(i, prompts.get(i)));
        }
        return spark.createDataFrame(in, SCHEMA).coalesce(1).withColumn("out", moeGenerate(col("prompt"), options))
                .collectAsList().stream().map(r -> r.isNullAt(2) ? null : r.getStruct(2)).toList();
    }

    /** What the engine makes of the prompt called directly, with the row's seed. */
    private static String directText(String prompt, int maxNew) {
        long seed = RowSeed.of(0, prompt.getBytes(StandardCharsets.UTF_8), null);
        return direct.generate(List.of(GenerationRequest.ofText(prompt,
                new SamplingParams(maxNew, 0.8f, 0, 1f, seed, List.of(), 0)))).get(0).text();
    }

    /** A text of exactly {@code tokens} prompt tokens (BOS included when the tokenizer adds one). */
    private static String textOfTokens(int tokens) {
        String s = "x";
        while (length(s) < tokens) {
            String next = s;
            for (String piece : List.of(" x", ",", "\u0001")) { // the first that does not overshoot
                next = s + piece;
                if (length(next) <= tokens) {
                    break;
                }
            }
            s = next;
        }
        assertEquals(tokens, length(s));
        return s;
    }

    private static int length(String text) {
        return direct.tokenizer().encode(text).length;
    }

    @Test
    void nullEmptyWhitespaceAndControlCharacters() {
        List<String> prompts = new ArrayList<>();
        prompts.add(null);
        prompts.addAll(List.of("", "   ", "\t\r\n", "nul \u0000 bel \u0007 esc \u001b[1m del \u007f c1 \u0085",
                "bom \uFEFF zwsp \u200B rtl \u202E emoji \uD83D\uDE00"));
        List<Row> out = generate(prompts, opts());
        assertNull(out.get(0), "null prompt, null output");
        assertEquals("", out.get(1).getString(0), "empty prompt, empty output");
        assertEquals(0, out.get(1).getInt(2));
        for (int i = 2; i < prompts.size(); i++) {
            Row r = out.get(i);
            assertNull(r.get(5), "generated as usual: " + r);
            assertEquals(direct.tokenizer().encode(prompts.get(i)).length, r.getInt(1), "prompt tokens of " + i);
            assertEquals(directText(prompts.get(i), 4), r.getString(0), "row " + i + " as the engine makes it");
        }
    }

    @Test
    void aPromptThatFillsTheContextExactlyIsGeneratedAndOneTokenMoreIsABadRow() {
        String exact = textOfTokens(CONTEXT - 4);
        String over = textOfTokens(CONTEXT - 3);
        List<Row> out = generate(List.of(exact, over), opts("temperature", "0"));
        assertNull(out.get(0).get(5));
        assertEquals(CONTEXT - 4, out.get(0).getInt(1));
        assertEquals(4, out.get(0).getInt(2), "the last new token takes the context's last position");
        assertTrue(out.get(1).getString(5).startsWith("prompt_too_long: prompt has " + (CONTEXT - 3)
                + " tokens and asks for 4 new tokens, but the model's context holds " + CONTEXT), out.get(1).getString(5));
        Row full = generate(List.of(textOfTokens(CONTEXT)), opts("max_new_tokens", "0")).get(0);
        assertEquals("", full.getString(0));
        assertEquals(CONTEXT, full.getInt(1));
        assertEquals("length", full.getString(3));
    }

    @Test
    void aMebibytePromptIsABadRowOrIsCutToItsEnd() {
        String mib = "The quick brown fox jumps over the lazy dog. ".repeat((1 << 20) / 45);
        Row bad = generate(List.of(mib, "short"), opts()).get(0);
        assertNull(bad.get(0));
        assertTrue(bad.getString(5).startsWith("prompt_too_long: prompt has "), bad.getString(5));
        Row cut = generate(List.of(mib), opts("on_overflow", "truncate")).get(0);
        assertNull(cut.get(5));
        assertEquals(CONTEXT - 4, cut.getInt(1));
    }

    @Test
    void maxNewTokensZeroGivesEmptyTextAndHugeIsABadRowNamingTheLimit() {
        Row zero = generate(List.of("Hello"), opts("max_new_tokens", "0")).get(0);
        assertEquals("", zero.getString(0));
        assertEquals(0, zero.getInt(2));
        assertEquals("length", zero.getString(3));
        for (Row huge : generate(List.of("Hello", "World"), opts("max_new_tokens", "2147483647"))) {
            assertTrue(huge.getString(5).contains("max_new_tokens 2147483647 leaves no room for a prompt in the model's "
                    + "context of " + CONTEXT + " tokens"), huge.getString(5));
        }
        Exception e = assertThrows(Exception.class,
                () -> generate(List.of("Hello"), opts("max_new_tokens", "100000", "on_error", "fail")));
        assertTrue(String.valueOf(e.getMessage()).contains("moe_generate: row 0 of partition 0 (prompt \"Hello\")"),
                e.getMessage());
    }

    @Test
    void tenThousandRowPartitionsWithOneAndAThousandRowsPerCall() {
        spark.conf().set("spark.sql.adaptive.enabled", "false");
        try {
            Dataset<Row> in = spark.range(0, 10_000, 1, 1).selectExpr("id", "concat('row ', id) AS prompt");
            List<Row> one = null;
            for (String rows : List.of("1", "1000")) {
                long t0 = System.nanoTime();
                Dataset<Row> df = in.withColumn("out", moeGenerate(col("prompt"), Map.of("batch.rows", rows,
                        "max_new_tokens", "2", "temperature", "0.8")));
                List<Row> out = df.collectAsList();
                Map<String, Long> m = ExecFinder.metrics(df.queryExecution().executedPlan());
                System.out.printf("10,000 rows, batch.rows=%s: %d engine calls in %d ms%n", rows, m.get("engineCalls"),
                        (System.nanoTime() - t0) / 1_000_000);
                assertEquals(10_000, out.size());
                assertEquals(10_000 / Integer.parseInt(rows), m.get("engineCalls"), m.toString());
                for (int i = 0; i < out.size(); i++) {
                    assertEquals(i, out.get(i).getLong(0), "every row once, in input order");
                }
                if (one == null) {
                    one = out;
                } else {
                    assertEquals(one, out, "batch-invariant: the same rows whatever the batch size");
                }
            }
        } finally {
            spark.conf().unset("spark.sql.adaptive.enabled");
        }
    }
}
