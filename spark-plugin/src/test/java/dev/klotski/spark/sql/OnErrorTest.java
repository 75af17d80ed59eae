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
import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * on_error=null keeps the job going: a row whose prompt is too long, is not UTF-8, or fails in the engine gets a
 * null output and its reason in the struct's error field, while its batch-mates are generated in the same
 * engine call as usual. on_error=fail (the default) fails the job naming the row.
 */
class OnErrorTest {
    private static final String LONG = "word ".repeat(120).trim();
    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]").getOrCreate();
        // One partition, in this order: good, engine failure, too long, not UTF-8, null, empty, good.
        spark.sql("SELECT * FROM VALUES (0, 'good one'), (1, '" + FakeEngine.POISON + " here'), (2, '" + LONG + "'),"
                + " (3, CAST(unhex('68C328') AS STRING)), (4, CAST(NULL AS STRING)), (5, ''), (6, 'good two')"
                + " AS t(n, prompt)").coalesce(1).createOrReplaceTempView("mixed");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void reset() {
        FakeEngine.reset();
    }

    private static Map<String, String> opts(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("max_new_tokens", "4", "batch.rows", "100"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String direct(String prompt) {
        long seed = RowSeed.of(0, prompt.getBytes(StandardCharsets.UTF_8), null);
        return FakeEngine.complete(0, GenerationRequest.ofText(prompt, SamplingParams.GREEDY.withMaxNewTokens(4)
                .withSeed(seed)), 1).text();
    }

    private static List<Row> run(Dataset<Row> in, Map<String, String> options) {
        return in.withColumn("out", moeGenerate(col("prompt"), options)).collectAsList();
    }

    @Test
    void badRowsGetANullOutputAndTheirReasonWhileTheRestIsGenerated() {
        List<Row> rows = run(spark.table("mixed"), opts("on_error", "null", "output", "struct"));
        assertEquals(7, rows.size());
        assertEquals(List.of(4), FakeEngine.batchSizes(), "one engine call with the four rows that are text");
        for (int n : new int[] {0, 6}) {
            Row out = rows.get(n).getStruct(2);
            assertEquals(direct(rows.get(n).getString(1)), out.getString(0), "row " + n);
            assertNull(out.get(5), "no error on a good row");
        }
        assertError(rows.get(1).getStruct(2), "engine_error: generation failed: poisoned prompt");
        assertError(rows.get(2).getStruct(2), "prompt_too_long: prompt has 121 tokens and asks for 4 new tokens");
        assertError(rows.get(3).getStruct(2), "invalid_prompt: the prompt is not valid UTF-8: byte 0xC3 at offset 1");
        assertNull(rows.get(4).get(2), "a null prompt stays a null output");
        assertEquals("", rows.get(5).getStruct(2).getString(0), "an empty prompt stays an empty output");
        assertNull(rows.get(5).getStruct(2).get(5));
    }

    private static void assertError(Row out, String expectedStart) {
        assertNull(out.get(0), "no text for a bad row");
        assertNull(out.get(1));
        assertNull(out.get(3));
        assertTrue(out.getString(5).startsWith(expectedStart), out.getString(5));
    }

    @Test
    void stringOutputGivesNullForBadRows() {
        List<Row> rows = run(spark.table("mixed"), opts("on_error", "null"));
        assertEquals(direct("good one"), rows.get(0).getString(2));
        for (int n : new int[] {1, 2, 3, 4}) {
            assertNull(rows.get(n).get(2), "row " + n);
        }
        assertEquals("", rows.get(5).getString(2));
        assertEquals(direct("good two"), rows.get(6).getString(2));
    }

    @Test
    void failIsTheDefaultAndNamesTheRow() {
        Dataset<Row> poisonOnly = spark.table("mixed").where("n IN (0, 1)");
        String msg = rootMessage(assertThrows(Exception.class, () -> run(poisonOnly, opts())));
        assertTrue(msg.contains("moe_generate: row 1 of partition 0 (prompt \"<poison> here\"): generation failed: "
                + "poisoned prompt [engine_error; set on_error=null"), msg);
        FakeEngine.reset();
        String invalid = rootMessage(assertThrows(Exception.class, () -> run(spark.table("mixed"), opts())));
        assertTrue(invalid.contains("row 3 of partition 0") && invalid.contains("not valid UTF-8"), invalid);
        assertTrue(FakeEngine.requests().isEmpty(), "a row that is not text fails the batch before the engine is asked");
    }

    @Test
    void invalidUtf8FromParquetIsABadRowNotReplacementCharacters() {
        StructType schema = new StructType().add("n", DataTypes.IntegerType).add("prompt", DataTypes.BinaryType);
        List<Row> raw = List.of(RowFactory.create(0, "fine".getBytes(StandardCharsets.UTF_8)),
                RowFactory.create(1, new byte[] {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'b'}), // CESU-8 lone surrogate
                RowFactory.create(2, new byte[] {'c', 'a', 'f', (byte) 0xE9}));                      // Latin-1 é
        String path = tmp.resolve("prompts.parquet").toString();
        spark.createDataFrame(raw, schema).coalesce(1).write().parquet(path);
        // Read as text, the way a file from a writer that does not mark its strings as UTF-8 is read.
        Dataset<Row> in = spark.read().schema("n INT, prompt STRING").parquet(path);
        List<Row> rows = run(in, opts("on_error", "null", "output", "struct"));
        assertEquals(direct("fine"), rows.get(0).getStruct(2).getString(0));
        assertError(rows.get(1).getStruct(2), "invalid_prompt: the prompt is not valid UTF-8: byte 0xED at offset 1");
        assertError(rows.get(2).getStruct(2), "invalid_prompt: the prompt is not valid UTF-8: byte 0xE9 at offset 3");
        assertEquals(List.of("fine"), FakeEngine.requests().stream().map(GenerationRequest::text).toList());
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
