package dev.klotski.engine.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One model folder with outputs recorded by an independent engine (llama.cpp, cross-checked by a float64
 * numpy reference): the shared tiny-mixtral, plus the fixtures of our own in test resources.
 */
public record GoldenCase(String name, Path modelDir, JsonNode golden) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** ../shared/golden/tiny-mixtral next to the repository, or null when that folder is not there. */
    public static Path sharedMixtral() {
        String root = System.getProperty("klotski.repo.root", ".");
        Path dir = Path.of(root).toAbsolutePath().resolve("../shared/golden/tiny-mixtral").normalize();
        return Files.isDirectory(dir) ? dir : null;
    }

    /** Our own fixtures, built with llama.cpp from HF-format models of each architecture. */
    public static List<GoldenCase> bundled() {
        try {
            var resource = GoldenCase.class.getResource("/golden");
            List<GoldenCase> cases = new ArrayList<>();
            if (resource == null) {
                return cases;
            }
            Path root = Path.of(resource.toURI());
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : dirs.sorted().toList()) {
                    if (Files.exists(dir.resolve("golden.json"))) {
                        cases.add(load(dir.getFileName().toString(), dir));
                    }
                }
            }
            return cases;
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list golden fixtures", e);
        }
    }

    public static GoldenCase load(String name, Path dir) {
        try {
            return new GoldenCase(name, dir, JSON.readTree(dir.resolve("golden.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<JsonNode> prompts() {
        List<JsonNode> out = new ArrayList<>();
        golden.get("prompts").forEach(out::add);
        return out;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** The recorded full-vocabulary logits of a prompt's first generated position. */
    public float[] step0Logits(JsonNode prompt) {
        Path file = modelDir.resolve(prompt.get("step0_full_vocab_logits_file").asText());
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
