package dev.klotski.spark.sql;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.ObservedEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import dev.klotski.spark.testing.TinyModels;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cancelled job stops generating at once and leaves the engine to the next job. Job "long" generates on the
 * real engine (a model that never emits EOS, so the call would run for a long time); job "next" waits for the
 * engine behind it (the engine's group is limited to long's 4 rows, so next cannot join it); the test cancels "long" and measures the time to "long" stopping and to "next" being done
 * (its call is one short forward pass, so that is when the engine's next call started, to within a pass).
 */
class CancellationTest {
    private static final long BOUND_MS = 5_000; // generous: the engine stops within one forward pass
    private static SparkSession spark;
    private static String nextText;

    @BeforeAll
    static void start() {
        spark = TestSessions.local("local[2]")
                .config("spark.klotski.model", TinyModels.endless().toString())
                .config("spark.klotski.engine.factory", ObservedEngineFactory.class.getName())
                .config("spark.klotski.engine.threads", "1")
                // The engine's group holds 4 rows, all of "long"'s, so "next" waits for room instead of joining.
                .config("spark.klotski.group.batches", "1")
                .config("spark.klotski.group.batch-size", "4")
                .getOrCreate();
        nextText = next(); // loads the engine and gives what "next" writes when nothing gets in its way
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void reset() {
        ObservedEngineFactory.reset();
    }

    private static String next() {
        return spark.range(0, 1, 1, 1).selectExpr("'next prompt' AS prompt")
                .withColumn("out", moeGenerate(col("prompt"), Map.of("max_new_tokens", "1"))).first().getString(1);
    }

    /** Runs "long" (4 rows, 8000 new tokens each, one engine call) in its own job group. */
    private static List<Row> runLong(String group, boolean interruptOnCancel) {
        spark.sparkContext().setJobGroup(group, "a long generation", interruptOnCancel);
        return spark.range(0, 4, 1, 1).selectExpr("concat('long prompt ', id) AS prompt")
                .withColumn("out", moeGenerate(col("prompt"), Map.of("max_new_tokens", "8000", "batch.rows", "4",
                        "temperature", "0.8"))).collectAsList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    private void cancelWhileGenerating(String group, boolean interruptOnCancel) throws Exception {
        CompletableFuture<List<Row>> longJob = CompletableFuture.supplyAsync(() -> runLong(group, interruptOnCancel));
        await("'long' to generate", () -> ObservedEngineFactory.call("long") != null
                && ObservedEngineFactory.call("long").polls.get() > 20);
        CompletableFuture<String> nextJob = CompletableFuture.supplyAsync(CancellationTest::next);
        await("'next' to wait for the engine", () -> ObservedEngineFactory.call("next") != null
                && ObservedEngineFactory.call("next").polls.get() > 0);
        ObservedEngineFactory.Call longCall = ObservedEngineFactory.call("long");
        assertTrue(longCall.ended == 0, "'long' must still be generating when it is cancelled");

        long cancelled = System.nanoTime();
        spark.sparkContext().cancelJobGroup(group);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> longJob.get(60, TimeUnit.SECONDS));
        assertInstanceOf(SparkException.class, failed.getCause());
        assertEquals(nextText, nextJob.get(60, TimeUnit.SECONDS), "the next job gets an intact engine");

        ObservedEngineFactory.Call nextCall = ObservedEngineFactory.call("next");
        assertEquals("GenerationCancelledException", longCall.outcome);
        assertEquals("returned", nextCall.outcome);
        // The engine is free, and the waiting "next" call starts, the moment "long" ends; "next" is one short pass.
        long stopMs = (longCall.ended - cancelled) / 1_000_000;
        long nextMs = (nextCall.ended - cancelled) / 1_000_000;
        String seen = longCall.cancelSeen == 0 ? "by an interrupt"
                : "by its kill flag " + (longCall.cancelSeen - cancelled) / 1_000_000 + " ms after the cancel";
        System.out.printf("cancel (%s): the task was found cancelled %s; generation stopped, freeing the engine, "
                + "%d ms after the cancel; the next call, waiting behind it, was done %d ms after the cancel%n",
                interruptOnCancel ? "interruptOnCancel=true" : "interruptOnCancel=false", seen, stopMs, nextMs);
        if (longCall.cancelSeen != 0) {
            long engineMs = (longCall.ended - longCall.cancelSeen) / 1_000_000;
            assertTrue(engineMs < 1000, "the engine went on " + engineMs + " ms after it saw the cancel");
        }
        assertTrue(stopMs < BOUND_MS, "generation went on " + stopMs + " ms after the cancel");
        assertTrue(nextMs < BOUND_MS, "the next call ended " + nextMs + " ms after the cancel");
    }

    @Test
    void aCancelledJobStopsAndTheNextJobGetsTheEngine() throws Exception {
        cancelWhileGenerating("cancel-flag", false); // Spark's default: the task is marked killed, not interrupted
    }

    @Test
    void anInterruptedTaskStopsAndTheNextJobGetsTheEngine() throws Exception {
        cancelWhileGenerating("cancel-interrupt", true);
    }

    /**
     * With batch.overlap a task has two windows in the engine at once (rows 0-1 "longA", rows 2-3 "longB", together
     * filling the group): cancelling the job stops both, and the next job gets the engine.
     */
    @Test
    void aCancelledTaskStopsBothOfItsOverlappingWindows() throws Exception {
        CompletableFuture<List<Row>> longJob = CompletableFuture.supplyAsync(() -> {
            spark.sparkContext().setJobGroup("two-windows", "two overlapping windows", false);
            return spark.range(0, 4, 1, 1).selectExpr("concat(IF(id < 2, 'longA', 'longB'), ' prompt ', id) AS prompt")
                    .withColumn("out", moeGenerate(col("prompt"), Map.of("max_new_tokens", "8000", "batch.rows", "2",
                            "temperature", "0.8"))).collectAsList();
        });
        await("both windows to generate", () -> ObservedEngineFactory.call("longA") != null
                && ObservedEngineFactory.call("longB") != null && ObservedEngineFactory.call("longA").polls.get() > 20
                && ObservedEngineFactory.call("longB").polls.get() > 20);
        CompletableFuture<String> nextJob = CompletableFuture.supplyAsync(CancellationTest::next);
        await("'next' to wait for the engine", () -> ObservedEngineFactory.call("next") != null);
        long cancelled = System.nanoTime();
        spark.sparkContext().cancelJobGroup("two-windows");
        assertThrows(ExecutionException.class, () -> longJob.get(60, TimeUnit.SECONDS));
        assertEquals(nextText, nextJob.get(60, TimeUnit.SECONDS), "the next job gets an intact engine");
        for (String window : List.of("longA", "longB")) {
            ObservedEngineFactory.Call c = ObservedEngineFactory.call(window);
            assertEquals("GenerationCancelledException", c.outcome, window);
            long stopMs = (c.ended - cancelled) / 1_000_000;
            assertTrue(stopMs < BOUND_MS, window + " went on " + stopMs + " ms after the cancel");
        }
    }

    @Test
    void aJobCancelledWhileWaitingForTheEngineNeverRuns() throws Exception {
        CompletableFuture<List<Row>> longJob = CompletableFuture.supplyAsync(() -> runLong("holder", false));
        await("'long' to generate", () -> ObservedEngineFactory.call("long") != null
                && ObservedEngineFactory.call("long").polls.get() > 20);
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
            spark.sparkContext().setJobGroup("waiter", "waits for the engine", false);
            return next();
        });
        await("'next' to wait for the engine", () -> ObservedEngineFactory.call("next") != null
                && ObservedEngineFactory.call("next").polls.get() > 0);
        long cancelled = System.nanoTime();
        spark.sparkContext().cancelJobGroup("waiter");
        assertThrows(ExecutionException.class, () -> waiting.get(60, TimeUnit.SECONDS));
        ObservedEngineFactory.Call waiter = ObservedEngineFactory.call("next");
        assertNotNull(waiter);
        await("the waiting call to give up", () -> waiter.ended != 0);
        assertEquals("GenerationCancelledException", waiter.outcome);
        System.out.printf("cancel while waiting: the call gave up %d ms after the cancel%n",
                (waiter.ended - cancelled) / 1_000_000);
        assertTrue(ObservedEngineFactory.call("long").ended == 0, "the running job is untouched");
        spark.sparkContext().cancelJobGroup("holder");
        assertThrows(ExecutionException.class, () -> longJob.get(60, TimeUnit.SECONDS));
    }
}
