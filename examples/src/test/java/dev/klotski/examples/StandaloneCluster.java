package dev.klotski.examples;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster (one master, N workers) on 127.0.0.1, started from the Spark jars Maven
 * downloaded: SPARK_HOME is a folder whose jars/ links to them. REST server off; every process is ended
 * by {@link #close()}, executors included. Worker i runs its executors under {@link #workDir(int)}; fault tests
 * find an executor's JVM among the worker's descendants ({@link #executor}) and may kill a worker outright.
 */
final class StandaloneCluster implements AutoCloseable {
    static final List<String> MODULE_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-modules=jdk.incubator.vector",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true");
    private final Path home;
    private final Path logs;
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private final int masterPort;
    private int submissions;

    StandaloneCluster(Path dir, int workers) throws IOException, InterruptedException {
        home = dir.resolve("spark-home");
        logs = Files.createDirectories(dir.resolve("logs"));
        linkSparkJars(Files.createDirectories(home.resolve("jars")));
        masterPort = freePort();
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                Integer.toString(masterPort), "--webui-port", Integer.toString(freePort()));
        awaitLog("master", "Starting Spark master", 1, 60);
        for (int i = 0; i < workers; i++) {
            Path work = Files.createDirectories(dir.resolve("work" + i));
            workDirs.add(work);
            this.workers.add(start("worker" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", "1", "--memory", "1536m", "--webui-port", Integer.toString(freePort()), "--work-dir",
                    work.toString(), masterUrl()));
        }
        awaitLog("master", "Registering worker", workers, 90);
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** Runs SparkSubmit in client mode against the cluster; returns its output. */
    String submit(List<String> submitArgs, long timeoutSeconds) throws IOException, InterruptedException {
        return startSubmit(submitArgs).await(timeoutSeconds);
    }

    /** Starts SparkSubmit in client mode against the cluster, without waiting for it. */
    Submission startSubmit(List<String> submitArgs) throws IOException {
        List<String> cmd = javaCommand("org.apache.spark.deploy.SparkSubmit");
        cmd.addAll(List.of("--master", masterUrl()));
        cmd.addAll(submitArgs);
        Path log = logs.resolve("submit-" + submissions++ + ".log");
        return new Submission(process(cmd, log), log, System.nanoTime());
    }

    /** One spark-submit: its process, its output (stdout and stderr together) and how long it ran. */
    static final class Submission {
        private static final Pattern APP_ID = Pattern.compile("Connected to Spark cluster with app ID (app-[0-9-]+)");
        private final Process process;
        private final Path log;
        private final long started;
        private long ended;

        private Submission(Process process, Path log, long started) {
            this.process = process;
            this.log = log;
            this.started = started;
        }

        /** Waits for it to exit 0 and returns its output; an error with the output otherwise. */
        String await(long timeoutSeconds) throws IOException, InterruptedException {
            int status = awaitExit(timeoutSeconds);
            if (status != 0) {
                throw new AssertionError("spark-submit exited " + status + ":\n" + output());
            }
            return output();
        }

        /** Waits for it to exit (with any status) and returns the status; its output is {@link #output()}. */
        int awaitExit(long timeoutSeconds) throws IOException, InterruptedException {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("spark-submit did not finish in " + timeoutSeconds + " s:\n" + output());
            }
            ended = System.nanoTime();
            return process.exitValue();
        }

        String output() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Seconds from start to exit (once awaited). */
        double seconds() {
            return (ended - started) / 1e9;
        }

        /** The application id the master gave it, once the driver has logged it (empty before). */
        Optional<String> appId() throws IOException {
            Matcher m = APP_ID.matcher(output());
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    int workerCount() {
        return workers.size();
    }

    /** Where worker i runs its executors: one folder per application, one per executor, with its stdout and stderr. */
    Path workDir(int worker) {
        return workDirs.get(worker);
    }

    /** The JVM of an executor that worker i launched for this application, while it runs. */
    Optional<ProcessHandle> executor(int worker, String appId) {
        return workers.get(worker).descendants().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
                        && c.contains(appId)).orElse(false))
                .findFirst();
    }

    /** Kills worker i and every executor it runs at once, as a lost machine would (no clean shutdown). */
    void killWorker(int worker) throws InterruptedException {
        Process w = workers.get(worker);
        List<ProcessHandle> all = new ArrayList<>(w.descendants().toList());
        all.add(w.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("process " + h.pid() + " did not die", e);
            }
        }
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = javaCommand(mainClass);
        cmd.addAll(List.of(args));
        Process p = process(cmd, logs.resolve(name + ".log"));
        processes.add(p);
        return p;
    }

    private Process process(List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOCAL_HOSTNAME", "localhost");
        return pb.start();
    }

    private List<String> javaCommand(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(MODULE_OPTIONS);
        cmd.add("-Dspark.master.rest.enabled=false");
        cmd.add("-Dspark.ui.showConsoleProgress=false");
        cmd.addAll(List.of("-cp", home.resolve("jars") + File.separator + "*", mainClass));
        return cmd;
    }

    private void awaitLog(String name, String text, int times, int seconds) throws IOException, InterruptedException {
        Path log = logs.resolve(name + ".log");
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= times) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " never logged '" + text + "' x" + times + ":\n" + Files.readString(log));
    }

    /** Spark's own jars, and their dependencies, from the test class path (not ours, not JUnit's). */
    private static void linkSparkJars(Path jars) throws IOException {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString();
            if (s.endsWith(".jar") && Files.isRegularFile(p) && !s.contains("/dev/klotski/") && !s.contains("/target/")
                    && !s.contains("junit") && !s.contains("opentest4j") && !s.contains("apiguardian")
                    && !s.contains("surefire") && !s.contains("failsafe")) {
                Path link = jars.resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    Path logs() {
        return logs;
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) { // workers (and their executors) before the master
            Process p = processes.get(i);
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // The links to Spark's jars go now, so that deleting the test's temporary folder later is quiet about them.
        try (var links = Files.list(home.resolve("jars"))) {
            for (Path link : links.toList()) {
                Files.deleteIfExists(link);
            }
        } catch (IOException e) {
            // left for the temporary folder's own clean-up
        }
    }
}
