package dev.klotski.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The plugin talks to the engine only through its facade and request/result types. */
class EngineBoundaryTest {

    @Test
    void pluginImportsOnlyEngineApiAndGenerate() throws IOException {
        Path src = Path.of(System.getProperty("klotski.repo.root", ".."), "spark-plugin", "src", "main", "java");
        try (Stream<Path> files = Files.walk(src)) {
            List<String> bad = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
                try {
                    return Files.readAllLines(p).stream()
                            .filter(l -> l.startsWith("import dev.klotski.engine.")
                                    && !l.startsWith("import dev.klotski.engine.api.")
                                    && !l.startsWith("import dev.klotski.engine.generate."))
                            .map(l -> p.getFileName() + ": " + l);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertEquals(List.of(), bad);
        }
    }
}
