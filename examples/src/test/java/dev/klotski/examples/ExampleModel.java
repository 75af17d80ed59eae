package dev.klotski.examples;

import dev.klotski.engine.modelgen.ModelSpec;
import dev.klotski.engine.modelgen.RandomModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model the example tests run on: a small random-weight Mixtral that the project writes itself (as
 * bin/klotski-example does), so the tests need nothing from outside the repository.
 */
final class ExampleModel {
    private static Path dir;

    private ExampleModel() {
    }

    /** Writes the model once per test JVM under target/ and returns its folder. */
    static synchronized Path path() {
        if (dir == null) {
            Path target = Path.of(System.getProperty("klotski.repo.root", "."), "examples", "target", "test-model");
            if (!Files.exists(target.resolve("model.safetensors"))) {
                new RandomModelWriter(new ModelSpec("mixtral", 2, 128, 2, 1, 4, 2, 256, 1024, 1024, 5))
                        .write(target, n -> { });
            }
            dir = target.toAbsolutePath();
        }
        return dir;
    }
}
