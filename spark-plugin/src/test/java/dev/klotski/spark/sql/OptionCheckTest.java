package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Options are checked when the query is analysed, before any work: the same errors from SQL map(...) and from
 * moeGenerate, thrown while the DataFrame is built, with no engine call made.
 */
class OptionCheckTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]").getOrCreate();
        spark.range(0, 5, 1, 1).selectExpr("concat('p ', id) AS prompt").createOrReplaceTempView("p5");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void reset() {
        FakeEngine.reset();
    }

    /** The analysis error of both APIs for the same options; they must say the same thing. */
    private static String refused(Map<String, String> options, String sqlMap) {
        Dataset<Row> in = spark.table("p5");
        String fromColumn = assertThrows(Exception.class, () -> in.withColumn("out", moeGenerate(col("prompt"), options)))
                .getMessage();
        String fromSql = assertThrows(Exception.class,
                () -> spark.sql("SELECT moe_generate(prompt, " + sqlMap + ") FROM p5")).getMessage();
        assertEquals(fromColumn, fromSql, "SQL and the column API report alike");
        assertTrue(FakeEngine.requests().isEmpty(), "refused before any engine call");
        return fromSql;
    }

    @Test
    void wrongTypesAndRangesAreRefusedWhileTheQueryIsBuilt() {
        String type = refused(Map.of("max_new_tokens", "many"), "map('max_new_tokens', 'many')");
        assertTrue(type.contains("option 'max_new_tokens'") && type.contains("'many' is not an integer")
                && type.contains("allowed: an integer >= 0"), type);
        String range = refused(Map.of("top_p", "2"), "map('top_p', '2')");
        assertTrue(range.contains("option 'top_p'") && range.contains("allowed: a number in (0, 1]"), range);
        String unknown = refused(Map.of("temprature", "1"), "map('temprature', '1')");
        assertTrue(unknown.contains("unknown moe_generate option 'temprature' (did you mean 'temperature'?)")
                && unknown.contains("valid options: model, max_new_tokens"), unknown);
    }

    @Test
    void aNullOptionValueIsRefused() {
        Map<String, String> withNull = new HashMap<>();
        withNull.put("seed", null);
        String e = refused(withNull, "map('seed', CAST(NULL AS STRING))");
        assertTrue(e.contains("option 'seed' is null"), e);
    }

    @Test
    void sqlOptionValuesMayBeNumbersAndBooleans() {
        Row r = spark.sql("SELECT moe_generate('a b c', map('max_new_tokens', 2, 'temperature', 0.0)) AS out").first();
        assertEquals("c b", r.getString(0));
        assertEquals(0.0f, FakeEngine.requests().get(0).params().temperature());
        FakeEngine.reset();
        spark.sql("SELECT moe_generate('a', map('chat', true)) AS out").first();
        assertTrue(FakeEngine.requests().get(0).chat());
        Exception e = assertThrows(Exception.class,
                () -> spark.sql("SELECT moe_generate('a', map('max_new_tokens', 2.5))"));
        assertTrue(e.getMessage().contains("'2.5' is not an integer"), e.getMessage());
        Exception nested = assertThrows(Exception.class,
                () -> spark.sql("SELECT moe_generate('a', map('stop', array('x')))"));
        assertTrue(nested.getMessage().contains("strings, numbers or booleans")
                && nested.getMessage().contains("map<string,array<string>>"), nested.getMessage());
    }

    @Test
    void aBadConfValueIsRefusedTheSameWay() {
        spark.conf().set("spark.klotski.batch.rows", "0");
        try {
            Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT moe_generate(prompt) FROM p5"));
            assertTrue(e.getMessage().contains("option 'batch.rows' (conf spark.klotski.batch.rows): '0' is out of "
                    + "range; allowed: an integer in [1, 100000]"), e.getMessage());
        } finally {
            spark.conf().unset("spark.klotski.batch.rows");
        }
    }
}
