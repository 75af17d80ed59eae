package dev.klotski.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ETL example on local[2] with a small make-model Mixtral: every row once, a re-run writes the same rows, and
 * a failed run leaves no output behind (nor spoils an earlier one).
 */
class EtlJobTest {

    @BeforeAll
    static void sparkSettings() {
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.plugins", "dev.klotski.spark.KlotskiPlugin");
        System.setProperty("spark.klotski.model", ExampleModel.path().toString());
        System.setProperty("spark.klotski.engine.threads", "1");
    }

    @Test
    void writesEveryRowOnceAndIsIdempotent(@TempDir Path dir) throws IOException {
        Path input = prompts(dir.resolve("prompts.jsonl"), 24, false);
        String out = dir.resolve("out").toString();
        String[] args = {"--input", input.toString(), "--output", out, "--max-new-tokens", "4", "--partitions", "3"};
        String first = runCapturing(args);
        assertTrue(first.contains("KLOTSKI_ETL rows=24 distinct_ids=24 input_rows=24 engine_loads={driver=1}"), first);
        assertOnlyTheTable(dir, "out", "prompts.jsonl");
        List<Row> firstRows = readSorted(out);
        runCapturing(args);
        assertEquals(firstRows, readSorted(out), "a re-run writes the same rows");
        assertOnlyTheTable(dir, "out", "prompts.jsonl");
    }

    @Test
    void aFailedRunLeavesNoOutputAndKeepsAnEarlierOne(@TempDir Path dir) throws IOException {
        Path good = prompts(dir.resolve("good.jsonl"), 8, false);
        Path bad = prompts(dir.resolve("bad.jsonl"), 8, true);
        String fresh = dir.resolve("fresh").toString();
        Exception e = assertThrows(Exception.class, () -> runCapturing(
                new String[] {"--input", bad.toString(), "--output", fresh, "--max-new-tokens", "4", "--partitions", "2"}));
        assertTrue(messages(e).contains("context"), messages(e));
        assertOnlyTheTable(dir, null, "good.jsonl", "bad.jsonl");

        String kept = dir.resolve("kept").toString();
        runCapturing(new String[] {"--input", good.toString(), "--output", kept, "--max-new-tokens", "4"});
        List<Row> rows = readSorted(kept);
        assertThrows(Exception.class, () -> runCapturing(
                new String[] {"--input", bad.toString(), "--output", kept, "--max-new-tokens", "4", "--partitions", "2"}));
        assertOnlyTheTable(dir, "kept", "good.jsonl", "bad.jsonl");
        assertEquals(rows, readSorted(kept), "the failed re-run left the earlier output as it was");
    }

    /** n prompts; with {@code overlong}, one of them longer than the model's context, so its row fails. */
    private static Path prompts(Path file, int n, boolean overlong) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = overlong && i == n - 1 ? "word ".repeat(3000) : "Tell me about item " + i;
            lines.add("{\"id\": " + i + ", \"prompt\": \"" + prompt + "\"}");
        }
        return Files.write(file, lines);
    }

    /** The folder holds these files and, when {@code table} is given, that table with _SUCCESS: nothing else. */
    private static void assertOnlyTheTable(Path dir, String table, String... files) throws IOException {
        Set<String> expected = new TreeSet<>(List.of(files));
        if (table != null) {
            expected.add(table);
            assertTrue(Files.isRegularFile(dir.resolve(table).resolve("_SUCCESS")), "a finished table " + table);
        }
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(expected, list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new)),
                    "no temporary or old output folders beside the table");
        }
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append('\n');
        }
        return sb.toString();
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
