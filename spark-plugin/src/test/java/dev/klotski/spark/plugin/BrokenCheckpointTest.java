package dev.klotski.spark.plugin;

import static dev.klotski.spark.KlotskiFunctions.moeGenerate;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.spark.testing.TestSessions;
import dev.klotski.spark.testing.TinyModels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An engine that cannot load on an executor (here a truncated checkpoint) fails the job with the engine's own
 * message, naming the file, in the driver's error: loaded on first use, or eagerly at executor start (where the
 * executor must still start, so that its tasks carry the message; FaultClusterIT checks that on a cluster).
 */
class BrokenCheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "engine.eager={0}")
    @ValueSource(booleans = {false, true})
    void theDriversErrorCarriesTheEnginesMessage(boolean eager) throws IOException {
        Path model = truncatedCopy(TinyModels.small(), dir.resolve("model"));
        SparkSession spark = TestSessions.local("local[2]")
                .config("spark.klotski.model", model.toString())
                .config("spark.klotski.engine.factory", KlotskiEngineFactory.class.getName())
                .config("spark.klotski.engine.eager", Boolean.toString(eager))
                .getOrCreate();
        try {
            Exception e = assertThrows(Exception.class, () -> spark.range(0, 8, 1, 2)
                    .selectExpr("concat('prompt ', id) AS prompt").select(moeGenerate(col("prompt"))).collectAsList());
            String message = e.getMessage();
            assertTrue(message.contains(model.resolve("model.safetensors") + " is truncated"), message);
            assertTrue(message.contains("failed to load on executor driver"), message);
        } finally {
            spark.stop();
        }
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
}
