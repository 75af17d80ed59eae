package dev.klotski.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow (about a minute): a real standalone cluster on 127.0.0.1 (master + two one-core workers) runs the ETL
 * example through SparkSubmit with the application jar. Every row comes back exactly once and each of the
 * two executors loaded exactly one engine. Runs in {@code mvn verify} (failsafe).
 */
@Tag("cluster")
class ClusterIT {

    @Test
    void etlOnAStandaloneClusterLoadsOneEnginePerExecutor(@TempDir Path dir) throws Exception {
        Path appJar = Path.of(System.getProperty("klotski.app.jar"));
        assertTrue(Files.isRegularFile(appJar), "package the examples first: " + appJar);
        Path input = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            lines.add("{\"id\": " + i + ", \"prompt\": \"Cluster prompt number " + i + "\"}");
        }
        Files.write(input, lines);
        long t0 = System.nanoTime();
        try (StandaloneCluster cluster = new StandaloneCluster(dir, 2)) {
            String out = cluster.submit(List.of(
                    "--deploy-mode", "client",
                    "--class", EtlJob.class.getName(),
                    "--driver-java-options", String.join(" ", StandaloneCluster.MODULE_OPTIONS),
                    "--conf", "spark.plugins=dev.klotski.spark.KlotskiPlugin",
                    "--conf", "spark.klotski.model=" + ExampleModel.path(),
                    "--conf", "spark.klotski.engine.threads=1",
                    "--conf", "spark.executor.cores=1",
                    "--conf", "spark.executor.memory=1g",
                    "--conf", "spark.cores.max=2",
                    "--conf", "spark.driver.host=127.0.0.1",
                    "--conf", "spark.driver.bindAddress=127.0.0.1",
                    "--conf", "spark.ui.enabled=false",
                    appJar.toString(),
                    "--input", input.toString(), "--output", dir.resolve("out").toString(),
                    "--max-new-tokens", "4", "--partitions", "4"), 240);
            System.out.printf("cluster ETL done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertTrue(out.contains("KLOTSKI_ETL rows=30 distinct_ids=30 input_rows=30 engine_loads={0=1, 1=1}"),
                    out);
        }
    }
}
