package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeds from an id_column come from the value's bytes, so equal ids give equal seeds in every run and task
 * attempt (binary, arrays and structs included), and a type without stable bytes (a map) is refused at
 * analysis.
 */
class IdColumnSeedTest {
    private static final Map<String, String> SAMPLED = Map.of("temperature", "1", "max_new_tokens", "6");
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Rows 0..3 with the same prompt; ids of rows 0 and 2 are equal, rows 1 and 3 differ from them. */
    private static Dataset<Row> rows(String idExpression) {
        return spark.range(0, 4, 1, 2).selectExpr("id AS n", "'same prompt' AS prompt", idExpression + " AS key");
    }

    /** Each row's output in row order (column n), seeded by prompt and key, sampled by the fake engine. */
    private static List<String> outputs(Dataset<Row> df) {
        return df.withColumn("out", moeGenerate(col("prompt"), withId())).collectAsList().stream()
                .sorted(java.util.Comparator.comparingLong(r -> r.getLong(r.fieldIndex("n"))))
                .map(r -> r.getString(r.fieldIndex("out"))).toList();
    }

    private static Map<String, String> withId() {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(SAMPLED);
        m.put("id_column", "key");
        return m;
    }

    private static void assertSeededByValue(String idExpression) {
        List<String> first = outputs(rows(idExpression));
        assertEquals(first.get(0), first.get(2), idExpression + ": equal ids, equal seeds");
        assertNotEquals(first.get(0), first.get(1), idExpression + ": different ids, different seeds");
        assertEquals(first, outputs(rows(idExpression).repartition(3)), idExpression + ": the same in another run");
    }

    @Test
    void binaryIdsSeedFromTheirBytes() {
        assertSeededByValue("CAST(CASE WHEN n % 2 = 0 THEN 'k0' ELSE concat('k', n) END AS BINARY)");
    }

    @Test
    void arrayAndStructIdsSeedFromTheirElements() {
        assertSeededByValue("array(n % 2, 7)");
        assertSeededByValue("array(CAST(concat('a', n % 2) AS BINARY), null)");
        assertSeededByValue("named_struct('k', n % 2, 'tag', 'x')");
        // Length-prefixed elements: ['ab', 'c'] and ['a', 'bc'] are different ids.
        List<String> split = outputs(spark.range(0, 2, 1, 1).selectExpr("id AS n", "'same prompt' AS prompt",
                "CASE WHEN id = 0 THEN array('ab', 'c') ELSE array('a', 'bc') END AS key"));
        assertNotEquals(split.get(0), split.get(1));
    }

    @Test
    void stringAndNumberIdsKeepTheirTextSeeds() {
        // The seed contract of existing jobs: an id's decimal or string text, as klotski batch would use it.
        FakeEngine.reset();
        outputs(spark.range(0, 1, 1, 1).selectExpr("id AS n", "'same prompt' AS prompt", "CAST(42 AS BIGINT) AS key"));
        long fromNumber = FakeEngine.requests().get(0).params().seed();
        FakeEngine.reset();
        outputs(spark.range(0, 1, 1, 1).selectExpr("id AS n", "'same prompt' AS prompt", "'42' AS key"));
        GenerationRequest fromText = FakeEngine.requests().get(0);
        assertEquals(fromNumber, fromText.params().seed());
        assertEquals(dev.klotski.engine.api.RowSeed.of(0, "same prompt".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "42".getBytes(java.nio.charset.StandardCharsets.UTF_8)), fromNumber);
    }

    @Test
    void aMapIdIsRefusedWhenThePlanIsChecked() {
        FakeEngine.reset();
        Exception e = assertThrows(Exception.class, () -> rows("map('k', n)")
                .withColumn("out", moeGenerate(col("prompt"), withId())));
        assertTrue(e.getMessage().contains("id_column 'key' cannot seed rows")
                && e.getMessage().contains("map<string,bigint> has no stable byte form"), e.getMessage());
        assertTrue(FakeEngine.requests().isEmpty(), "refused before any work");
    }
}
