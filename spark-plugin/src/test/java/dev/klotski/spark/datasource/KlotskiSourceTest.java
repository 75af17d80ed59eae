package dev.klotski.spark.datasource;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TestSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** format("klotski") over JSONL and Parquet prompt files. */
class KlotskiSourceTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void readsJsonlAndGeneratesInFileOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, """
                {"id": 1, "prompt": "one two three"}
                {"id": 2, "prompt": null}

                {"id": "x", "prompt": ""}
                {"prompt": "four five"}
                """);
        FakeEngine.reset();
        List<Row> out = spark.read().format("klotski").option("max_new_tokens", "2").option("batch.rows", "3")
                .load(file.toString()).collectAsList();
        assertEquals(4, out.size());
        assertEquals(List.of("1", "one two three", "three two"), List.of(out.get(0).getString(0),
                out.get(0).getString(1), out.get(0).getString(2)));
        assertNull(out.get(1).get(2));
        assertEquals("", out.get(2).getString(2));
        assertNull(out.get(3).get(0));
        assertEquals("five four", out.get(3).getString(2));
        assertEquals(List.of(1, 1), FakeEngine.batchSizes(), "batches of 3 rows; null and empty skip the engine");
    }

    @Test
    void readsParquetLikeMoeGenerateDoes(@TempDir Path dir) {
        String path = dir.resolve("prompts").toString();
        spark.range(0, 20, 1, 2).selectExpr("id", "concat('parquet prompt ', id) AS prompt").write().parquet(path);
        Map<String, String> opts = Map.of("temperature", "0.9", "max_new_tokens", "4", "seed", "9");
        List<Row> viaSource = spark.read().format("klotski").options(opts).load(path).collectAsList();
        Map<String, String> expected = spark.read().parquet(path)
                .withColumn("out", moeGenerate(col("prompt"), opts)).collectAsList().stream()
                .collect(Collectors.toMap(r -> String.valueOf(r.getLong(0)), r -> r.getString(2)));
        assertEquals(20, viaSource.size());
        for (Row r : viaSource) {
            assertEquals(expected.get(r.getString(0)), r.getString(2), "id " + r.getString(0));
        }
        assertTrue(spark.read().format("klotski").option("output", "struct").load(path).schema()
                .apply("output").dataType().simpleString().startsWith("struct<text:string"));
    }

    @Test
    void aMisspelledReaderOptionFailsNamingTheValidOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"id\": 1, \"prompt\": \"one\"}\n");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.read()
                .format("klotski").option("max_new_token", "2").load(file.toString()).collectAsList());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertTrue(messages.toString().contains("max_new_token") && messages.toString().contains("did you mean "
                + "'max_new_tokens'"), messages.toString());
    }
}
