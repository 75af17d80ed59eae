package dev.klotski.engine.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.HalfFloats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header describing each
 * tensor, then the raw tensor bytes.
 *
 * <p>The whole header is validated before any tensor byte is touched, so a corrupt or truncated download fails
 * at load time with a message naming the file instead of producing garbage weights later.
 *
 * <p>A {@link MappedByteBuffer} is limited to 2 GiB, so the data section is mapped in segments of at most
 * {@value #DEFAULT_SEGMENT_BYTES} bytes. Segment boundaries are placed between tensors, so every tensor lies
 * inside one segment and {@link #rawBytes} is a zero-copy slice; a tensor larger than 2 GiB is rejected.
 *
 * <p>Thread-safe for reading once opened. Buffers from {@link #rawBytes} stay valid after {@link #close()}
 * (Java cannot unmap eagerly; the mapping goes when the last buffer is garbage collected).
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header we accept; the reference implementation uses the same 100 MB limit. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Segment size for mapping; well below the 2 GiB limit of one buffer. */
    static final long DEFAULT_SEGMENT_BYTES = 1L << 30;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CONVERT_CHUNK = 16 * 1024; // elements widened per bulk read
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a tensor declared twice is corruption
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A tensor's header entry plus where its bytes are in the mapped segments. */
    private record Entry(TensorInfo info, int segment, int offsetInSegment) {
    }

    private final Path path;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries; // in data offset order
    private volatile MappedByteBuffer[] segments; // null once closed

    private SafetensorsFile(Path path, Map<String, String> metadata, Map<String, Entry> entries,
            MappedByteBuffer[] segments) {
        this.path = path;
        this.metadata = metadata;
        this.entries = entries;
        this.segments = segments;
    }

    /** Opens and validates {@code file}; throws {@link CheckpointException} explaining any problem. */
    public static SafetensorsFile open(Path file) {
        return open(file, DEFAULT_SEGMENT_BYTES);
    }

    /** As {@link #open(Path)} with a chosen segment size, so tests can exercise segmenting on small files. */
    static SafetensorsFile open(Path file, long segmentBytes) {
        if (segmentBytes <= 0 || segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segment size must be in (0, 2^31): " + segmentBytes);
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("model file not found: " + file
                    + " — check --model points at a HuggingFace model folder");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            long dataStart = readHeaderLength(ch, file, fileSize) + 8;
            JsonNode header = readHeader(ch, file, dataStart - 8);
            Map<String, String> metadata = new LinkedHashMap<>();
            List<TensorInfo> infos = parseTensors(header, file, dataStart, fileSize, metadata);
            Map<String, Entry> entries = new LinkedHashMap<>();
            MappedByteBuffer[] segments = map(ch, infos, segmentBytes, entries);
            // Mappings outlive the channel, so it is closed now: many shards do not pin many descriptors.
            return new SafetensorsFile(file, Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(entries), segments);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("model file not found: " + file
                    + " — check --model points at a HuggingFace model folder", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage()
                    + " — check the file is readable and the disk is healthy", e);
        }
    }

    private static long readHeaderLength(FileChannel ch, Path file, long fileSize) throws IOException {
        if (fileSize < 8) {
            throw new CheckpointException(file + " is not a safetensors file: it has only " + fileSize
                    + " bytes, fewer than the 8-byte header length — re-download or re-convert the checkpoint");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLength = lenBuf.getLong(0); // unsigned on disk; a value >= 2^63 reads negative here
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + " has a corrupt header: its header length "
                    + Long.toUnsignedString(headerLength) + " exceeds the " + MAX_HEADER_BYTES
                    + "-byte limit, so it is not a safetensors file — re-download or re-convert the checkpoint");
        }
        if (8 + headerLength > fileSize) {
            throw new CheckpointException(file + " is truncated or not a safetensors file: its header length is "
                    + headerLength + " bytes but the file has only " + fileSize
                    + " bytes — re-download or re-convert the checkpoint");
        }
        return headerLength;
    }

    private static JsonNode readHeader(FileChannel ch, Path file, long headerLength) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) headerLength);
        readFully(ch, buf, 8);
        String text = strictUtf8(buf.flip(), file);
        JsonNode header;
        try {
            header = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + " has a corrupt header: it is not valid JSON ("
                    + e.getOriginalMessage() + ") — re-download or re-convert the checkpoint", e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(file + " has a corrupt header: expected a JSON object mapping tensor "
                    + "names to {dtype, shape, data_offsets} — re-download or re-convert the checkpoint");
        }
        return header;
    }

    /**
     * The header as text; bytes that are not UTF-8 are corruption (the reference implementation refuses them
     * too), never silently replaced by U+FFFD, which could turn two tensor names into one.
     */
    private static String strictUtf8(ByteBuffer bytes, Path file) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult result = decoder.decode(bytes, out, true);
        if (result.isError()) {
            throw corrupt(file + " has a header that is not valid UTF-8 (byte " + (8 + bytes.position())
                    + " of the file starts an invalid sequence)");
        }
        return out.flip().toString();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /** Checks every header entry and returns the tensors sorted by data offset; fills {@code metadata}. */
    private static List<TensorInfo> parseTensors(JsonNode header, Path file, long dataStart, long fileSize,
            Map<String, String> metadata) {
        List<TensorInfo> infos = new ArrayList<>();
        long dataSize = fileSize - dataStart;
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (METADATA_KEY.equals(name)) {
                parseMetadata(node, file, metadata);
                continue;
            }
            String where = "tensor '" + name + "' in " + file;
            if (!node.isObject()) {
                throw corrupt(where + " is not described by a JSON object");
            }
            JsonNode dtypeNode = node.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) {
                throw corrupt(where + " has no \"dtype\" string");
            }
            DType dtype;
            try {
                dtype = DType.fromSafetensors(dtypeNode.asText());
            } catch (IllegalArgumentException e) {
                throw corrupt(where + " has dtype " + dtypeNode.asText() + ", which no safetensors file declares ("
                        + e.getMessage() + ")");
            }
            long[] shape = longArray(node.get("shape"), -1, where, "shape");
            long[] offsets = longArray(node.get("data_offsets"), 2, where, "data_offsets");
            long begin = offsets[0];
            long end = offsets[1];
            if (begin > end) {
                throw corrupt(where + " has data_offsets [" + begin + ", " + end + "] with begin after end");
            }
            long expected;
            try {
                long elements = 1;
                for (long d : shape) {
                    elements = Math.multiplyExact(elements, d);
                }
                expected = Math.multiplyExact(elements, (long) dtype.bytes());
            } catch (ArithmeticException e) {
                throw corrupt(where + " has an impossibly large shape " + Arrays.toString(shape));
            }
            if (end - begin != expected) {
                throw corrupt(where + " has shape " + Arrays.toString(shape) + " and dtype " + dtype
                        + ", which need " + expected + " bytes, but its data_offsets [" + begin + ", " + end
                        + "] span " + (end - begin) + " bytes");
            }
            if (end > dataSize) {
                throw new CheckpointException(file + " is truncated: header says tensor " + name
                        + " ends at byte " + (dataStart + end) + " but the file has " + fileSize
                        + " bytes — re-download or re-convert the checkpoint");
            }
            if (expected > Integer.MAX_VALUE) {
                throw new CheckpointException(where + " is " + expected + " bytes; Klotski reads tensors of at"
                        + " most 2 GiB — re-shard or split the tensor when converting the checkpoint");
            }
            infos.add(new TensorInfo(name, dtype, shape, file, dataStart + begin, expected));
        }
        infos.sort(Comparator.comparingLong(TensorInfo::dataOffset).thenComparingLong(TensorInfo::byteLength)
                .thenComparing(TensorInfo::name));
        requireContiguous(infos, file, dataStart, fileSize);
        return infos;
    }

    /**
     * The reference implementation's rule: tensors, in offset order, tile the data section exactly, from its
     * first byte to the file's last. A gap or trailing bytes mean the header and the data disagree (a botched
     * writer or a spliced file), so no tensor's bytes can be trusted.
     */
    private static void requireContiguous(List<TensorInfo> infos, Path file, long dataStart, long fileSize) {
        long expected = dataStart;
        TensorInfo previous = null;
        for (TensorInfo t : infos) {
            if (t.dataOffset() < expected) {
                throw corrupt("tensors '" + previous.name() + "' and '" + t.name() + "' in " + file
                        + " overlap (bytes " + t.dataOffset() + " to " + expected + ")");
            }
            if (t.dataOffset() > expected) {
                throw corrupt(file + " has a gap in its data section: bytes " + expected + " to " + t.dataOffset()
                        + (previous == null ? ", before the first tensor '" + t.name() + "',"
                                : ", between tensors '" + previous.name() + "' and '" + t.name() + "',")
                        + " belong to no tensor");
            }
            expected = t.dataOffset() + t.byteLength();
            previous = t;
        }
        if (expected != fileSize) {
            throw corrupt(file + " has " + (fileSize - expected) + " trailing bytes after the "
                    + (previous == null ? "header (it declares no tensors)" : "last tensor '" + previous.name() + "'")
                    + ", which belong to no tensor");
        }
    }

    private static void parseMetadata(JsonNode node, Path file, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw corrupt(file + " has a \"" + METADATA_KEY + "\" entry that is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw corrupt(file + " has metadata key '" + m.getKey() + "' whose value is not a string");
            }
            metadata.put(m.getKey(), m.getValue().asText());
        }
    }

    /** Reads a JSON array of non-negative integers (of {@code length} elements unless it is -1). */
    private static long[] longArray(JsonNode node, int length, String where, String key) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw corrupt(where + " has no valid \"" + key + "\" (expected an array of "
                    + (length >= 0 ? length + " " : "") + "non-negative integers)");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw corrupt(where + " has \"" + key + "\" element " + v + ", which is not a non-negative integer");
            }
            values[i] = v.asLong();
        }
        return values;
    }

    private static CheckpointException corrupt(String what) {
        return new CheckpointException(what + ": the header is corrupt — re-download or re-convert the checkpoint");
    }

    /**
     * Maps the tensors (sorted by offset) into segments of at most {@code segmentBytes}, starting a new segment
     * whenever the next tensor would not fit, so no tensor straddles two buffers. A tensor larger than a
     * segment gets one of its own (tensors are at most 2 GiB, checked by the caller).
     */
    private static MappedByteBuffer[] map(FileChannel ch, List<TensorInfo> infos, long segmentBytes,
            Map<String, Entry> entries) throws IOException {
        List<MappedByteBuffer> segments = new ArrayList<>();
        int i = 0;
        while (i < infos.size()) {
            long start = infos.get(i).dataOffset();
            long end = start;
            int first = i;
            while (i < infos.size()) {
                TensorInfo t = infos.get(i);
                long tEnd = t.dataOffset() + t.byteLength();
                if (i > first && tEnd - start > segmentBytes) {
                    break;
                }
                end = Math.max(end, tEnd);
                i++;
            }
            int index = segments.size();
            segments.add(ch.map(FileChannel.MapMode.READ_ONLY, start, end - start));
            for (int k = first; k < i; k++) {
                TensorInfo t = infos.get(k);
                entries.put(t.name(), new Entry(t, index, (int) (t.dataOffset() - start)));
            }
        }
        return segments.toArray(new MappedByteBuffer[0]);
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Tensor names in the order their bytes appear in the file. */
    public Set<String> tensorNames() {
        return entries.keySet();
    }

    /** True when the file holds a tensor of this name. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Where a tensor is; throws naming the file when it is absent. */
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    /** The optional {@code __metadata__} string map (often {@code {"format": "pt"}}); empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Number of mapped segments; visible so tests can check the segmenting. */
    int segmentCount() {
        MappedByteBuffer[] s = segments;
        return s == null ? 0 : s.length;
    }

    /** The tensor's bytes as a read-only little-endian buffer positioned at 0; no copy is made. */
    public ByteBuffer rawBytes(String name) {
        Entry e = entry(name);
        MappedByteBuffer[] s = segments;
        if (s == null) {
            throw new CheckpointException(path + " is closed; cannot read tensor '" + name
                    + "' — open the checkpoint again");
        }
        // slice(index, length) leaves the shared buffer's position alone, so concurrent readers are safe.
        return s[e.segment()].slice(e.offsetInSegment(), (int) e.info().byteLength())
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A 16-bit float tensor's stored bit patterns (F16 or BF16), row-major, copied onto the heap. */
    public short[] readShorts(String name) {
        TensorInfo info = info(name);
        if (info.dtype() != DType.F16 && info.dtype() != DType.BF16) {
            throw new CheckpointException("tensor '" + name + "' in " + path + " is " + info.dtype()
                    + ", not a 16-bit float type");
        }
        short[] out = new short[arrayLength(info)];
        rawBytes(name).asShortBuffer().get(out);
        return out;
    }

    /** A byte tensor's contents (I8 or U8), copied onto the heap. */
    public byte[] readBytes(String name) {
        TensorInfo info = info(name);
        if (info.dtype() != DType.I8 && info.dtype() != DType.U8) {
            throw new CheckpointException("tensor '" + name + "' in " + path + " is " + info.dtype()
                    + ", not a byte type (I8 or U8)");
        }
        byte[] out = new byte[arrayLength(info)];
        rawBytes(name).get(out);
        return out;
    }

    private int arrayLength(TensorInfo info) {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor '" + info.name() + "' in " + path + " has " + count
                    + " elements, more than one Java array holds — split it into smaller tensors");
        }
        return (int) count;
    }

    /** The tensor widened to float32, row-major; BF16 and F16 are converted exactly. */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor '" + name + "' in " + path + " has " + count
                    + " elements, more than a Java array holds — it cannot be loaded as one float array");
        }
        ByteBuffer bytes = rawBytes(name);
        float[] out = new float[(int) count];
        switch (info.dtype()) {
            case F32 -> bytes.asFloatBuffer().get(out);
            case BF16 -> widen(bytes.asShortBuffer(), out, true);
            case F16 -> widen(bytes.asShortBuffer(), out, false);
            default -> throw new CheckpointException("tensor '" + name + "' in " + path + " is " + info.dtype()
                    + ", which is not a float type; it cannot be read as float32");
        }
        return out;
    }

    /** Bulk-reads shorts in chunks (fast, bounded extra memory) and widens each to float. */
    private static void widen(ShortBuffer in, float[] out, boolean bf16) {
        short[] chunk = new short[Math.min(out.length, CONVERT_CHUNK)];
        for (int base = 0; base < out.length; base += chunk.length) {
            int n = Math.min(chunk.length, out.length - base);
            in.get(chunk, 0, n);
            if (bf16) {
                for (int j = 0; j < n; j++) {
                    out[base + j] = HalfFloats.bf16ToFloat(chunk[j]);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    out[base + j] = HalfFloats.f16ToFloat(chunk[j]);
                }
            }
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException("tensor '" + name + "' not found in " + path
                    + " — the checkpoint does not match the architecture in config.json");
        }
        return e;
    }

    /** Drops the mappings; buffers already handed out stay readable until garbage collected. */
    @Override
    public void close() {
        segments = null;
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + entries.size() + " tensors]";
    }
}
