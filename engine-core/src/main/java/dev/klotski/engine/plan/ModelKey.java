package dev.klotski.engine.plan;

import dev.klotski.engine.util.Fnv1a64;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A short identity of a model folder: a hash of its config.json and of the names and sizes of its safetensors
 * files. Cheap (no weight is read), and it changes when the folder is another model, a quantized copy or a
 * re-download of another size, which is when a hardware profile of it stops applying.
 */
public final class ModelKey {
    private ModelKey() {
    }

    /** 16 hex digits. */
    public static String of(Path modelDir) {
        try {
            long h = Fnv1a64.hash(Files.readAllBytes(modelDir.resolve("config.json")));
            List<Path> shards;
            try (Stream<Path> files = Files.list(modelDir)) {
                shards = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            }
            for (Path f : shards) {
                String entry = f.getFileName() + ":" + Files.size(f) + ";";
                h = Fnv1a64.hash(h, entry.getBytes(StandardCharsets.UTF_8));
            }
            return String.format("%016x", h);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model folder " + modelDir + ": " + e.getMessage(), e);
        }
    }
}
