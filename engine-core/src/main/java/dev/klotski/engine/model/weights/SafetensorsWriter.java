package dev.klotski.engine.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.HalfFloats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Streams a safetensors file to disk. Tensors are declared up front with their shape (so the header can be
 * written first) and a supplier that produces their values only when their turn comes, so a multi-GB model
 * never has to be in memory at once: at most one tensor's values plus a small conversion buffer. Values come
 * as floats (rounded to the dtype), as 16-bit patterns written as they are ({@link #addShorts}), or as bytes
 * ({@link #addBytes}, for the I8/U8 quants of quantized folders).
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .add("model.norm.weight", DType.BF16, new long[] {64}, () -> norm)
 *     .metadata(Map.of("format", "pt"))
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 *
 * <p>The file is written under a temporary name in the same folder and renamed into place only when complete,
 * so an interrupted write never leaves a plausible-looking checkpoint behind. Not thread-safe.
 */
public final class SafetensorsWriter {
    private static final int BUFFER_BYTES = 1 << 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Writes one tensor's data section when its turn comes. */
    @FunctionalInterface
    private interface Payload {
        void write(FileChannel ch, ByteBuffer buf, Pending t, Path file) throws IOException;
    }

    private record Pending(String name, DType dtype, long[] shape, long elements, Payload payload) {
    }

    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private Map<String, String> metadata = Map.of();

    /**
     * Declares the next tensor. {@code values} is called once, during {@link #write}, and must return
     * {@code product(shape)} floats in row-major order; they are rounded to {@code dtype} (F32, BF16 or F16) on
     * the way out.
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, Supplier<float[]> values) {
        Objects.requireNonNull(values, "values");
        requireDType(name, dtype, DType.F32, DType.BF16, DType.F16);
        return declare(name, dtype, shape, (ch, buf, t, file) -> writeFloats(ch, buf, t, checked(t, file,
                values.get(), v -> v.length)));
    }

    /**
     * Declares a 16-bit float tensor (F16 or BF16) whose {@code product(shape)} bit patterns {@code bits}
     * returns; they are written as they are, so stored weights are copied without a float round trip.
     */
    public SafetensorsWriter addShorts(String name, DType dtype, long[] shape, Supplier<short[]> bits) {
        Objects.requireNonNull(bits, "bits");
        requireDType(name, dtype, DType.F16, DType.BF16);
        return declare(name, dtype, shape, (ch, buf, t, file) -> writeShorts(ch, buf, checked(t, file,
                bits.get(), v -> v.length)));
    }

    /** Declares a byte tensor (I8 or U8) whose {@code product(shape)} bytes {@code bytes} returns. */
    public SafetensorsWriter addBytes(String name, DType dtype, long[] shape, Supplier<byte[]> bytes) {
        Objects.requireNonNull(bytes, "bytes");
        requireDType(name, dtype, DType.I8, DType.U8);
        return declare(name, dtype, shape, (ch, buf, t, file) -> {
            flush(ch, buf);
            writeAll(ch, ByteBuffer.wrap(checked(t, file, bytes.get(), v -> v.length)));
        });
    }

    private static void requireDType(String name, DType dtype, DType... allowed) {
        Objects.requireNonNull(dtype, "dtype");
        if (!Arrays.asList(allowed).contains(dtype)) {
            throw new IllegalArgumentException("tensor '" + name + "': this method writes " + Arrays.toString(allowed)
                    + ", not " + dtype + " — use add (floats), addShorts (16-bit patterns) or addBytes (I8/U8)");
        }
    }

    private SafetensorsWriter declare(String name, DType dtype, long[] shape, Payload payload) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        if (name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was added twice");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: "
                        + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + elements
                    + " elements, more than one Java array holds");
        }
        tensors.add(new Pending(name, dtype, shape.clone(), elements, payload));
        return this;
    }

    /** Sets the {@code __metadata__} string map (HuggingFace writes {@code {"format": "pt"}}). */
    public SafetensorsWriter metadata(Map<String, String> metadata) {
        this.metadata = new LinkedHashMap<>(Objects.requireNonNull(metadata, "metadata"));
        return this;
    }

    /** Bytes the tensors will occupy in the data section (the index's {@code total_size}). */
    public long dataBytes() {
        long total = 0;
        for (Pending t : tensors) {
            total += t.elements() * t.dtype().bytes();
        }
        return total;
    }

    /**
     * Writes the file atomically and returns the tensor data bytes written. On any failure (including a
     * supplier returning the wrong number of values) nothing is left at {@code file}'s path that was not there.
     */
    public long write(Path file) {
        byte[] header = header();
        AtomicFile.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                buf.putLong(header.length);
                flush(ch, buf);
                writeAll(ch, ByteBuffer.wrap(header));
                for (Pending t : tensors) {
                    t.payload().write(ch, buf, t, file);
                    flush(ch, buf);
                }
                ch.force(true); // the rename must not become visible before the data is durable
            }
        });
        return dataBytes();
    }

    /** The JSON header, padded with spaces so the data section starts 8-byte aligned (as the reference does). */
    private byte[] header() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.elements() * t.dtype().bytes();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** The supplier's array, or an error naming the tensor when it has the wrong number of values. */
    private static <T> T checked(Pending t, Path file, T values, ToIntFunction<T> length) {
        if (values == null || length.applyAsInt(values) != t.elements()) {
            throw new CheckpointException("cannot write " + file + ": tensor '" + t.name() + "' of shape "
                    + Arrays.toString(t.shape()) + " needs " + t.elements() + " values but its supplier returned "
                    + (values == null ? "null" : length.applyAsInt(values)) + " — fix the code producing this tensor");
        }
        return values;
    }

    private static void writeFloats(FileChannel ch, ByteBuffer buf, Pending t, float[] values) throws IOException {
        // One loop per dtype keeps the per-element work to a conversion and a put.
        switch (t.dtype()) {
            case F32 -> {
                for (float v : values) {
                    if (buf.remaining() < Float.BYTES) {
                        flush(ch, buf);
                    }
                    buf.putFloat(v);
                }
            }
            case BF16 -> {
                for (float v : values) {
                    if (buf.remaining() < Short.BYTES) {
                        flush(ch, buf);
                    }
                    buf.putShort(HalfFloats.floatToBf16(v));
                }
            }
            case F16 -> {
                for (float v : values) {
                    if (buf.remaining() < Short.BYTES) {
                        flush(ch, buf);
                    }
                    buf.putShort(HalfFloats.floatToF16(v));
                }
            }
            default -> throw new IllegalStateException("unhandled dtype " + t.dtype());
        }
    }

    /** Bulk copies through the buffer's short view, a buffer-full at a time. */
    private static void writeShorts(FileChannel ch, ByteBuffer buf, short[] bits) throws IOException {
        for (int done = 0; done < bits.length; ) {
            if (buf.remaining() < Short.BYTES) {
                flush(ch, buf);
            }
            int n = Math.min(bits.length - done, buf.remaining() / Short.BYTES);
            buf.asShortBuffer().put(bits, done, n);
            buf.position(buf.position() + n * Short.BYTES);
            done += n;
        }
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeAll(ch, buf);
        buf.clear();
    }

    private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Writes {@code model.safetensors.index.json} in the HuggingFace format:
     * {@code {"metadata": {"total_size": N}, "weight_map": {tensor: shard file name}}}, keys sorted as HF does.
     */
    public static void writeShardIndex(Path dir, Map<String, String> weightMap, long totalSize) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(map::put);
        AtomicFile.write(dir.resolve(Checkpoint.INDEX_FILE), tmp -> {
            byte[] json = JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
            Files.write(tmp, json);
            Files.write(tmp, "\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        });
    }

}
