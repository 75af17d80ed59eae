package dev.klotski.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow (a few minutes): the ETL example on a standalone cluster of three one-core workers, two executors at a
 * time, survives the loss of an executor JVM and of a whole worker while it is generating. A clean run comes
 * first; each faulted run must finish with every row exactly once and each row equal, value by value, to the
 * clean run's (the Parquet outputs are read back in this JVM). Each test prints the time the fault cost: the
 * faulted run's wall time minus the clean run's. Last, an engine that cannot load on the executors (a truncated
 * checkpoint, loaded eagerly at executor start) fails the job with the engine's message in the driver's error,
 * and leaves no output. Runs in {@code mvn verify} (failsafe).
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultClusterIT {
    private static final int ROWS = 32;
    private static final int PARTITIONS = 8;
    private static final int MAX_NEW_TOKENS = 400;
    /** The executor log line of a loaded engine: from here on the executor is generating. */
    private static final String ENGINE_OPENED = "opened an engine for";
    /** Spark's executor log lines of a task's start and end. */
    private static final String TASK_STARTED = "INFO Executor: Running task ";
    private static final String TASK_FINISHED = "INFO Executor: Finished task ";

    @TempDir
    static Path dir;
    private static StandaloneCluster cluster;
    private static SparkSession reader;
    private static List<Row> cleanRows;
    private static double cleanSeconds;

    @BeforeAll
    static void cleanRun() throws Exception {
        Path input = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            lines.add("{\"id\": " + i + ", \"prompt\": \"Fault test prompt number " + i + "\"}");
        }
        Files.write(input, lines);
        cluster = new StandaloneCluster(dir, 3);
        StandaloneCluster.Submission clean = cluster.startSubmit(submitArgs("clean"));
        assertEveryRowOnce(clean.await(300));
        cleanSeconds = clean.seconds();
        System.out.printf("clean cluster ETL: %.1f s%n", cleanSeconds);
        reader = SparkSession.builder().master("local[1]").appName("fault-it-reader")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").getOrCreate();
        cleanRows = rows("clean");
        assertEquals(ROWS, cleanRows.size());
    }

    @AfterAll
    static void stop() {
        if (reader != null) {
            reader.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aKilledExecutorLosesOnlyTimeNotRows() throws Exception {
        StandaloneCluster.Submission run = cluster.startSubmit(submitArgs("executor-killed"));
        Generating victim = awaitGenerating(run);
        ProcessHandle executor = cluster.executor(victim.worker(), victim.appId()).orElseThrow(
                () -> new AssertionError("no executor JVM under worker " + victim.worker()));
        System.out.printf("killing executor pid %d on worker %d while it generates%n", executor.pid(), victim.worker());
        executor.destroyForcibly();
        executor.onExit().get(20, TimeUnit.SECONDS);
        String out = run.await(300);
        System.out.printf("time lost: %.1f s (killed executor; clean run %.1f s, with the fault %.1f s)%n",
                run.seconds() - cleanSeconds, cleanSeconds, run.seconds());
        assertLostARunningTask(out);
        assertEveryRowOnce(out);
        assertEquals(cleanRows, rows("executor-killed"), "the same rows as the clean run");
    }

    @Test
    @Order(2)
    void aKilledWorkerLosesOnlyTimeNotRows() throws Exception {
        StandaloneCluster.Submission run = cluster.startSubmit(submitArgs("worker-killed"));
        Generating victim = awaitGenerating(run);
        System.out.printf("killing worker %d and its executor while it generates%n", victim.worker());
        cluster.killWorker(victim.worker());
        String out = run.await(300);
        System.out.printf("time lost: %.1f s (killed worker; clean run %.1f s, with the fault %.1f s)%n",
                run.seconds() - cleanSeconds, cleanSeconds, run.seconds());
        assertLostARunningTask(out);
        assertEveryRowOnce(out);
        assertEquals(cleanRows, rows("worker-killed"), "the same rows as the clean run");
    }

    @Test
    @Order(3)
    void anEngineThatFailsToLoadFailsTheJobWithTheEnginesMessage() throws Exception {
        Path model = truncatedCopy(ExampleModel.path(), dir.resolve("truncated-model"));
        // Loaded at executor start: the executor must still come up so that its tasks fail with the cause.
        StandaloneCluster.Submission run = cluster.startSubmit(submitArgs("broken", model, true));
        int status = run.awaitExit(240);
        String out = run.output();
        String driverError = out.lines().filter(l -> l.startsWith("Exception in thread \"main\"")).findFirst()
                .orElseThrow(() -> new AssertionError("spark-submit exited " + status + " without an error:\n" + tail(out)));
        assertTrue(status != 0 && driverError.contains(model.resolve("model.safetensors") + " is truncated")
                && driverError.contains("failed to load on executor"), driverError);
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("broken")), "no output of the failed job");
        }
        System.out.printf("a truncated checkpoint failed the job in %.1f s: %s%n", run.seconds(),
                driverError.substring(0, Math.min(driverError.length(), 400)));
    }

    /** A copy of a model folder whose model.safetensors has lost its second half. */
    private static Path truncatedCopy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(to.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        return to;
    }

    /** Which worker's executor of the application is generating now. */
    private record Generating(int worker, String appId) {
    }

    /**
     * Waits until an executor of the submitted application has loaded its engine (it logs that in its first
     * generating task), lets it generate a little, and returns its worker once it is still running a task.
     */
    private static Generating awaitGenerating(StandaloneCluster.Submission run) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < end && run.isAlive()) {
            Optional<String> appId = run.appId();
            for (int w = 0; appId.isPresent() && w < cluster.workerCount(); w++) {
                if (generating(w, appId.get())) {
                    Thread.sleep(1000); // let it generate a while
                    if (generating(w, appId.get())) {
                        return new Generating(w, appId.get());
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no executor started generating:\n" + tail(run.output()));
    }

    /** Whether worker w's executor of the application runs and has loaded its engine, and a task runs now. */
    private static boolean generating(int w, String appId) throws IOException {
        Path appDir = cluster.workDir(w).resolve(appId);
        if (cluster.executor(w, appId).isEmpty() || !Files.isDirectory(appDir)) {
            return false;
        }
        try (Stream<Path> executors = Files.list(appDir)) {
            for (Path stderr : executors.map(e -> e.resolve("stderr")).filter(Files::isRegularFile).toList()) {
                String log = Files.readString(stderr);
                if (log.contains(ENGINE_OPENED) && count(log, TASK_STARTED) > count(log, TASK_FINISHED)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1L;
    }

    /** The end of a long output, for assertion messages. */
    private static String tail(String out) {
        return out.length() <= 20_000 ? out : "..." + out.substring(out.length() - 20_000);
    }

    /** The driver saw a task fail with its executor: the fault landed while a task ran. */
    private static void assertLostARunningTask(String out) {
        assertTrue(out.contains("ExecutorLostFailure") // its executor died: counts as one of the task's failures
                || out.contains("its executor exited for a reason unrelated to the task"), tail(out)); // its worker died
    }

    private static void assertEveryRowOnce(String out) {
        String counts = "KLOTSKI_ETL rows=" + ROWS + " distinct_ids=" + ROWS + " input_rows=" + ROWS;
        assertTrue(out.contains(counts), tail(out));
    }

    private static List<Row> rows(String run) {
        return reader.read().parquet(dir.resolve(run).toString()).orderBy("id").collectAsList();
    }

    private static List<String> submitArgs(String run) {
        return submitArgs(run, ExampleModel.path(), false);
    }

    private static List<String> submitArgs(String run, Path model, boolean eager) {
        Path appJar = Path.of(System.getProperty("klotski.app.jar"));
        assertTrue(Files.isRegularFile(appJar), "package the examples first: " + appJar);
        return List.of(
                "--deploy-mode", "client",
                "--class", EtlJob.class.getName(),
                "--driver-java-options", String.join(" ", StandaloneCluster.MODULE_OPTIONS),
                "--conf", "spark.plugins=dev.klotski.spark.KlotskiPlugin",
                "--conf", "spark.klotski.model=" + model,
                "--conf", "spark.klotski.engine.eager=" + eager,
                "--conf", "spark.klotski.engine.threads=1",
                "--conf", "spark.klotski.batch.rows=2",
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.memory=1g",
                "--conf", "spark.cores.max=2",
                "--conf", "spark.task.maxFailures=4", // a task lost with its executor runs again
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                appJar.toString(),
                "--input", dir.resolve("prompts.jsonl").toString(), "--output", dir.resolve(run).toString(),
                "--max-new-tokens", Integer.toString(MAX_NEW_TOKENS), "--partitions", Integer.toString(PARTITIONS));
    }
}
