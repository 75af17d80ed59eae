package dev.klotski.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.modelgen.ModelSpec;
import dev.klotski.engine.modelgen.RandomModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

/** Tiny models for tests: the bundled golden fixtures, random make-model models, and edited copies. */
public final class TestModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestModels() {
    }

    /** A bundled fixture folder under test resources golden/, e.g. "tiny-qwen3-moe". */
    public static Path bundled(String name) {
        try {
            var url = TestModels.class.getResource("/golden/" + name);
            if (url == null) {
                throw new IllegalStateException("test resource golden/" + name + " is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path qwen3() {
        return bundled("tiny-qwen3-moe");
    }

    /** A small spec of any architecture: 2 layers, 4 experts top-2, 384-token vocabulary. */
    public static ModelSpec spec(String arch, int hidden, long seed) {
        return new ModelSpec(arch, 2, hidden, 2, 1, 4, 2, hidden, 384, 256, seed);
    }

    /** Writes a make-model model into dir and returns dir. */
    public static Path make(Path dir, ModelSpec spec) {
        new RandomModelWriter(spec).write(dir, n -> { });
        return dir;
    }

    /** Copies the files of a model folder (not sub-folders) into dst. */
    public static Path copy(Path src, Path dst) {
        try {
            Files.createDirectories(dst);
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, dst.resolve(f.getFileName()));
                }
            }
            return dst;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a top-level field of a JSON file in a model folder. */
    public static void removeJsonField(Path dir, String file, String field) {
        try {
            Path path = dir.resolve(file);
            ObjectNode node = (ObjectNode) JSON.readTree(path.toFile());
            node.remove(field);
            Files.writeString(path, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends one tensor, given as raw little-endian bytes of any safetensors dtype, to a folder's
     * model.safetensors, keeping the file valid (contiguous data, header padded to 8 bytes).
     */
    public static void appendTensor(Path dir, String name, String dtype, long[] shape, byte[] data) {
        try {
            Path file = dir.resolve("model.safetensors");
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = (int) in.getLong(0);
            ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
            long dataLength = bytes.length - 8L - headerLength;
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype);
            entry.set("shape", JSON.valueToTree(shape));
            entry.set("data_offsets", JSON.valueToTree(new long[] {dataLength, dataLength + data.length}));
            byte[] json = JSON.writeValueAsBytes(header);
            byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
            Arrays.fill(padded, json.length, padded.length, (byte) ' ');
            ByteBuffer out = ByteBuffer.allocate(8 + padded.length + (int) dataLength + data.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(padded.length).put(padded).put(bytes, 8 + headerLength, (int) dataLength).put(data);
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Overwrites the bytes of one tensor of a folder's model.safetensors with zeros (0.0 in every float dtype). */
    public static void zeroTensor(Path dir, String name) {
        try {
            Path file = dir.resolve("model.safetensors");
            byte[] bytes = Files.readAllBytes(file);
            int headerLength = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            JsonNode entry = JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8)).get(name);
            if (entry == null) {
                throw new IllegalArgumentException(file + " has no tensor " + name);
            }
            int from = 8 + headerLength + entry.get("data_offsets").get(0).asInt();
            int to = 8 + headerLength + entry.get("data_offsets").get(1).asInt();
            Arrays.fill(bytes, from, to, (byte) 0);
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets top-level fields of a JSON file in a model folder (e.g. config.json). */
    public static void editJson(Path dir, String file, Map<String, Object> fields) {
        try {
            Path path = dir.resolve(file);
            ObjectNode node = (ObjectNode) JSON.readTree(path.toFile());
            fields.forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
            Files.writeString(path, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
