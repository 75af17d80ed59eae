package dev.klotski.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ETL example on local[2] with a small make-model Mixtral: every row once, and a re-run writes the same rows. */
class EtlJobTest {

    @Test
    void writesEveryRowOnceAndIsIdempotent(@TempDir Path dir) throws IOException {
        Path input = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            lines.add("{\"id\": " + i + ", \"prompt\": \"Tell me about item " + i + "\"}");
        }
        Files.write(input, lines);
        String out = dir.resolve("out").toString();
        String[] args = {"--input", input.toString(), "--output", out, "--max-new-tokens", "4", "--partitions", "3"};
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.plugins", "dev.klotski.spark.KlotskiPlugin");
        System.setProperty("spark.klotski.model", ExampleModel.path().toString());
        System.setProperty("spark.klotski.engine.threads", "1");
        String first = runCapturing(args);
        assertTrue(first.contains("KLOTSKI_ETL rows=24 distinct_ids=24 input_rows=24 engine_loads={driver=1}"), first);
        List<Row> firstRows = readSorted(out);
        runCapturing(args);
        assertEquals(firstRows, readSorted(out), "a re-run writes the same rows");
    }

    private static List<Row> readSorted(String out) {
        SparkSession s = SparkSession.builder().getOrCreate();
        try {
            return s.read().parquet(out).orderBy("id").collectAsList();
        } finally {
            s.stop();
        }
    }

    private static String runCapturing(String[] args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            EtlJob.main(args);
        } finally {
            System.setOut(old);
        }
        String s = buf.toString();
        old.print(s);
        return s;
    }
}
