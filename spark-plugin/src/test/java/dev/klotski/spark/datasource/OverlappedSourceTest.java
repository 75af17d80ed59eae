package dev.klotski.spark.datasource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.plugin.BatchEngine;
import dev.klotski.spark.plugin.ExecutorEngines;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * format("klotski") with batch.overlap (the default): the next window of prompts is generated while the current
 * one finishes, so both join the engine's group and one expert load serves the rows of both. Same rows, fewer
 * expert bytes than one window after the other, on the real engine with most experts offloaded.
 */
class OverlappedSourceTest {
    private static final Path MODEL = Path.of(System.getProperty("klotski.repo.root", "."), "engine-core",
            "src", "test", "resources", "golden", "tiny-qwen3-moe").normalize();
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[1]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                .config("spark.klotski.device-budget", "30%")
                .config("spark.klotski.pool-share", "0.5")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void overlappingWindowsShareTheGroupReadFewerBytesAndKeepTheRows(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, IntStream.range(0, 8)
                .mapToObj(i -> "{\"id\": " + i + ", \"prompt\": \"Tell me about the number " + i + "\"}")
                .collect(Collectors.joining("\n")));
        // Overlapped first: a cache warmed by an earlier run would favour the run after it, not this one.
        long before = expertBytesRead();
        List<Row> overlapped = read(file, "true");
        long overlappedBytes = expertBytesRead() - before;
        before = expertBytesRead();
        List<Row> serial = read(file, "false");
        long serialBytes = expertBytesRead() - before;
        System.out.printf("datasource: expert bytes with overlapping windows %d, one window after the other %d%n",
                overlappedBytes, serialBytes);
        assertEquals(serial, overlapped, "overlapping windows change no row");
        assertEquals(8, overlapped.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(Integer.toString(i), overlapped.get(i).getString(0), "rows in file order");
        }
        assertTrue(serialBytes > 0, "30% of the experts: loads happen");
        // Without the overlap the two runs read the same within a few percent (loads race the prefetcher); with it,
        // about 37% less here.
        assertTrue(overlappedBytes < 0.85 * serialBytes, "one load serves both windows' rows: " + overlappedBytes
                + " vs " + serialBytes);
    }

    private static List<Row> read(Path file, String overlap) {
        return spark.read().format("klotski").option("max_new_tokens", "24").option("batch.rows", "4")
                .option("batch.overlap", overlap).load(file.toString()).collectAsList();
    }

    private static long expertBytesRead() {
        return ExecutorEngines.open().stream().map(BatchEngine::metrics).mapToLong(m -> m.expertBytesRead()).sum();
    }
}
