package dev.klotski.spark.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.modelgen.ModelSpec;
import dev.klotski.engine.modelgen.RandomModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Random-weight models the plugin's real-engine tests run on, written once under target/ by the engine's own
 * writer (as bin/klotski-example does), so the tests need nothing from outside the repository.
 */
public final class TinyModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyModels() {
    }

    /** One layer, hidden 32, a 256-token context: cheap enough for 10,000-row partitions. */
    public static synchronized Path small() {
        return written("small", new ModelSpec("mixtral", 1, 32, 2, 1, 4, 2, 32, 384, 256, 11), false);
    }

    /**
     * A model that can never end a sequence (no EOS id anywhere), with an 8192-token context: generation runs
     * to max_new_tokens, so a long call is long for sure.
     */
    public static synchronized Path endless() {
        return written("endless", new ModelSpec("mixtral", 2, 64, 2, 1, 4, 2, 64, 1024, 8192, 12), true);
    }

    private static Path written(String name, ModelSpec spec, boolean withoutEos) {
        Path dir = Path.of(System.getProperty("klotski.repo.root", "."), "spark-plugin", "target", "test-models", name)
                .toAbsolutePath().normalize();
        if (Files.isDirectory(dir)) {
            return dir;
        }
        // Written beside, then renamed: a run stopped half way never leaves a half-made model behind.
        Path staging = dir.resolveSibling(name + ".partial-" + ProcessHandle.current().pid());
        new RandomModelWriter(spec).write(staging, n -> { });
        if (withoutEos) {
            edit(staging.resolve("generation_config.json"), n -> n.putArray("eos_token_id"));
            edit(staging.resolve("config.json"), n -> n.putArray("eos_token_id"));
            edit(staging.resolve("tokenizer_config.json"), n -> n.putNull("eos_token"));
        }
        try {
            Files.move(staging, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static void edit(Path file, java.util.function.Consumer<ObjectNode> change) {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
            change.accept(node);
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
