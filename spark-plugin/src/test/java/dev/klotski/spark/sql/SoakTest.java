package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.plugin.KlotskiEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The soak (slow, excluded from the default suite; the README gives its command): for about ten minutes
 * ({@code -Dklotski.soak.seconds}), jobs of many concurrent tasks (local[4], 8 partitions) share one offloaded
 * engine, with sampled and greedy rows, bad rows kept as nulls, and varying lengths. Every job returns every row;
 * heap after a full GC and the process's RSS, sampled through the run, stay flat after the warm-up (the first
 * quarter): the last third of the samples may not exceed the first third's highest by more than a small margin.
 * Run it with a heap touched at start (the README's command: -Xms = -Xmx, AlwaysPreTouch), or RSS follows the
 * collector's heap resizing instead of what the engine holds.
 */
@Tag("soak")
class SoakTest {
    private static final Path MODEL = Path.of(System.getProperty("klotski.repo.root", "."), "engine-core",
            "src", "test", "resources", "golden", "tiny-qwen3-moe").normalize();
    private static final long MIB = 1 << 20;
    private static final int ROWS = 64;

    private record Sample(double minutes, long jobs, long heapAfterGc, long rss) {
    }

    @Test
    void manyConcurrentTasksOnOneEngineKeepHeapAndRssFlat() throws Exception {
        long seconds = Long.getLong("klotski.soak.seconds", 600);
        SparkSession spark = TestSessions.local("local[4]")
                .config("spark.klotski.model", MODEL.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "2")
                .config("spark.klotski.device-budget", "50%")
                .config("spark.klotski.prefetch", "next-gate")
                .config("spark.sql.adaptive.enabled", "false")
                // Spark keeps up to 1,000 jobs' UI history (100,000 tasks): bounded lower, so what grows is ours.
                .config("spark.ui.retainedJobs", "20")
                .config("spark.ui.retainedStages", "20")
                .config("spark.ui.retainedTasks", "2000")
                .config("spark.sql.ui.retainedExecutions", "20")
                .getOrCreate();
        List<Sample> samples = new ArrayList<>();
        try {
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long sampleEvery = Math.max(5, seconds / 40) * 1_000_000_000L;
            long nextSample = start;
            long jobs = 0;
            long rows = 0;
            while (System.nanoTime() < end) {
                rows += runJob(spark, jobs);
                jobs++;
                if (System.nanoTime() >= nextSample) {
                    samples.add(new Sample((System.nanoTime() - start) / 60e9, jobs, heapAfterGc(), rss()));
                    Sample s = samples.get(samples.size() - 1);
                    System.out.printf(Locale.ROOT, "soak: %.1f min, %d jobs, heap after GC %d MiB, RSS %d MiB%n",
                            s.minutes(), s.jobs(), s.heapAfterGc() / MIB, s.rss() / MIB);
                    nextSample += sampleEvery;
                }
            }
            samples.add(new Sample((System.nanoTime() - start) / 60e9, jobs, heapAfterGc(), rss()));
            judge(samples, jobs, rows);
        } finally {
            spark.stop();
        }
    }

    /** One job: 8 concurrent tasks of 8 rows; every other job sampled; one row in 16 bad (longer than the context). */
    private static long runJob(SparkSession spark, long job) {
        int newTokens = job % 3 == 0 ? 24 : 8;
        Map<String, String> opts = Map.of("max_new_tokens", Integer.toString(newTokens), "batch.rows", "4",
                "output", "struct", "on_error", "null", "temperature", job % 2 == 0 ? "0" : "0.8",
                "seed", Long.toString(job), "id_column", "id");
        Dataset<Row> in = spark.range(job * ROWS, (job + 1) * ROWS, 1, 8).selectExpr("id",
                "CASE WHEN id % 16 = 5 THEN repeat('far too long ', 4000) "
                        + "ELSE concat('Soak prompt ', id, repeat(' more', CAST(id % 7 AS INT))) END AS prompt");
        List<Row> out = in.withColumn("out", moeGenerate(col("prompt"), opts)).collectAsList();
        assertEquals(ROWS, out.size(), "every row of job " + job);
        long bad = out.stream().filter(r -> r.getStruct(2).getAs("error") != null).count();
        assertEquals(ROWS / 16, bad, "only the over-long prompts are bad rows in job " + job);
        return out.size();
    }

    private static void judge(List<Sample> samples, long jobs, long rows) {
        List<Sample> settled = samples.subList(samples.size() / 4, samples.size());
        assertTrue(settled.size() >= 6, "too short a soak to judge: " + samples.size() + " samples");
        int third = settled.size() / 3;
        List<Sample> first = settled.subList(0, third);
        List<Sample> last = settled.subList(settled.size() - third, settled.size());
        long heapFirst = first.stream().mapToLong(Sample::heapAfterGc).max().orElseThrow();
        long heapLast = last.stream().mapToLong(Sample::heapAfterGc).max().orElseThrow();
        long rssFirst = first.stream().mapToLong(Sample::rss).max().orElseThrow();
        long rssLast = last.stream().mapToLong(Sample::rss).max().orElseThrow();
        System.out.printf(Locale.ROOT, "soak: %d jobs, %d rows in %.1f min; heap after GC %d -> %d MiB, RSS %d -> %d "
                        + "MiB (highest of the first and last thirds after warm-up)%n", jobs, rows,
                samples.get(samples.size() - 1).minutes(), heapFirst / MIB, heapLast / MIB, rssFirst / MIB,
                rssLast / MIB);
        assertTrue(heapLast <= heapFirst + heapFirst / 10 + 16 * MIB,
                "heap after GC grew from " + heapFirst / MIB + " to " + heapLast / MIB + " MiB: " + samples);
        assertTrue(rssLast <= rssFirst + rssFirst / 10 + 64 * MIB,
                "RSS grew from " + rssFirst / MIB + " to " + rssLast / MIB + " MiB: " + samples);
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size of this process (Linux), 0 elsewhere. */
    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
