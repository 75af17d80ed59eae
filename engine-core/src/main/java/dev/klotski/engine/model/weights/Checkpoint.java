package dev.klotski.engine.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.util.StrictUtf8;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The weights of a HuggingFace model folder, whether in one {@code model.safetensors}, in shards listed by
 * {@code model.safetensors.index.json}, or in a loose set of {@code *.safetensors} files. Callers ask for
 * tensors by name and never care which file holds them.
 *
 * <p>Shape checks live here ({@link #matrix}, {@link #vector}) because a checkpoint that does not match the
 * config is the common failure, and it should be reported at load time with the tensor and file named.
 */
public final class Checkpoint implements AutoCloseable {
    /** The single-file checkpoint name HuggingFace uses. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The shard index name HuggingFace uses. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // a second document after the first is corruption
            .build();

    private final Path modelDir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor; // in file order, then data offset order
    private final Set<String> read = ConcurrentHashMap.newKeySet(); // experts load in parallel

    private Checkpoint(Path modelDir, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.modelDir = modelDir;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Opens the weights in {@code modelDir}; throws {@link CheckpointException} explaining any problem. */
    public static Checkpoint open(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new CheckpointException("model folder not found: " + modelDir
                    + (Files.exists(modelDir) ? " is a file, not a folder" : "")
                    + " — check --model points at a HuggingFace model folder");
        }
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndexed(modelDir, index);
        }
        Path single = modelDir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return openFiles(modelDir, List.of(single));
        }
        List<Path> loose = listSafetensors(modelDir);
        if (loose.isEmpty()) {
            throw new CheckpointException("no safetensors weights in " + modelDir + " (expected " + SINGLE_FILE
                    + ", " + INDEX_FILE + " or *.safetensors files) — download the model's safetensors files, "
                    + "or convert a PyTorch .bin checkpoint to safetensors first");
        }
        return openFiles(modelDir, loose);
    }

    private static List<Path> listSafetensors(Path dir) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot list model folder " + dir + ": " + e.getMessage()
                    + " — check the folder is readable", e);
        }
        Collections.sort(found); // shard names sort in shard order (model-00001-of-00003 ...)
        return found;
    }

    /** Opens files (in the given order) and merges their tensors; a name in two files is ambiguous. */
    private static Checkpoint openFiles(Path modelDir, List<Path> paths) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                opened.add(f);
                for (String name : f.tensorNames()) {
                    SafetensorsFile other = byTensor.putIfAbsent(name, f);
                    if (other != null) {
                        throw new CheckpointException("tensor '" + name + "' is in both " + other.path() + " and "
                                + f.path() + " — remove stray or duplicate .safetensors files from " + modelDir);
                    }
                }
            }
            return new Checkpoint(modelDir, List.copyOf(opened), Collections.unmodifiableMap(byTensor));
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Checkpoint openIndexed(Path modelDir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        // Group tensors by shard, shards in name order so tensorNames() is deterministic.
        Map<String, List<String>> byShard = new TreeMap<>();
        weightMap.forEach((tensor, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
                String shard = e.getKey();
                Path shardPath = modelDir.resolve(shard).normalize();
                if (Path.of(shard).isAbsolute() || !shardPath.startsWith(modelDir.normalize())
                        || shardPath.equals(modelDir.normalize())) {
                    throw new CheckpointException(index + " lists shard '" + shard + "', which is not a file inside "
                            + modelDir + " — the index is corrupt; re-download it");
                }
                if (!Files.isRegularFile(shardPath)) {
                    throw new CheckpointException(index + " lists shard " + shard + " (for tensor '"
                            + e.getValue().get(0) + "' and " + (e.getValue().size() - 1) + " more) but " + shardPath
                            + " does not exist — the download is incomplete; fetch all shards of the model");
                }
                SafetensorsFile f = SafetensorsFile.open(shardPath);
                opened.add(f);
                List<String> wanted = new ArrayList<>(e.getValue());
                for (String name : wanted) {
                    if (!f.contains(name)) {
                        throw new CheckpointException(index + " says tensor '" + name + "' is in " + shardPath
                                + " but that file does not contain it — the index and shards come from different "
                                + "downloads; re-download the model");
                    }
                }
                // Keep the shard's own (offset) order for the tensors the index assigns to it.
                Set<String> assigned = new LinkedHashSet<>(wanted);
                for (String name : f.tensorNames()) {
                    if (assigned.contains(name)) {
                        byTensor.put(name, f);
                    }
                }
            }
            return new Checkpoint(modelDir, List.copyOf(opened), Collections.unmodifiableMap(byTensor));
        } catch (RuntimeException ex) {
            opened.forEach(SafetensorsFile::close);
            throw ex;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(StrictUtf8.read(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index + " is not valid JSON (" + e.getOriginalMessage()
                    + ") — re-download the model's index file", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + index + ": " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointException(index + " has no \"weight_map\" object mapping tensor names to shard files"
                    + " — re-download the model's index file");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                throw new CheckpointException(index + " maps tensor '" + e.getKey() + "' to " + e.getValue()
                        + ", which is not a shard file name — re-download the model's index file");
            }
            weightMap.put(e.getKey(), e.getValue().asText());
        }
        return weightMap;
    }

    /** The folder this checkpoint was opened from. */
    public Path modelDir() {
        return modelDir;
    }

    /** All tensor names, file by file, each file in data order. */
    public Set<String> tensorNames() {
        return byTensor.keySet();
    }

    /** Whether weight {@code name} is here, plain or in a quantized form ({@link QuantizedTensors}). */
    public boolean containsWeight(String name) {
        return contains(name) || contains(QuantizedTensors.quants(name, WeightFormat.Q8))
                || contains(QuantizedTensors.quants(name, WeightFormat.Q4));
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** Where a tensor is; throws naming the folder and files searched when it is absent. */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /** The tensor widened to float32, row-major. */
    public float[] floats(String name) {
        return reading(name).readFloats(name);
    }

    /** A 16-bit float tensor's stored bit patterns (F16 or BF16), row-major. */
    public short[] shorts(String name) {
        return reading(name).readShorts(name);
    }

    /**
     * Tensors no one has read or {@link #claim claimed} so far (looking at a tensor's {@link #info} does not
     * count), in file order: after loading, what the model would ignore.
     */
    public List<String> unreadTensors() {
        return byTensor.keySet().stream().filter(n -> !read.contains(n)).toList();
    }

    /**
     * The weight {@code name} of exactly {@code [rows, cols]} in its compact form: F32, F16 and BF16 as stored
     * (never widened), or int8/int4 from a Klotski quantized folder ({@link QuantizedTensors}).
     */
    public WeightMatrix weight(String name, int rows, int cols) {
        return read(stored(name, rows, cols));
    }

    /** Records that a weight located by {@link #stored} will be read later, by a tier that reads files itself. */
    public void claim(StoredWeight w) {
        read.add(w.values().name());
        if (w.scales() != null) {
            read.add(w.scales().name());
        }
    }

    /** Reads a weight located by {@link #stored} into a new matrix. */
    public WeightMatrix read(StoredWeight w) {
        WeightMatrix m = w.allocate();
        w.decode(reading(w.values().name()).rawBytes(w.values().name()),
                w.scales() == null ? null : reading(w.scales().name()).rawBytes(w.scales().name()), m);
        return m;
    }

    /**
     * Where the weight {@code name} of exactly {@code [rows, cols]} is stored and in which format, checked as
     * {@link #weight} checks it, without reading it.
     */
    public StoredWeight stored(String name, int rows, int cols) {
        if (!contains(name)) {
            for (WeightFormat f : new WeightFormat[] {WeightFormat.Q8, WeightFormat.Q4}) {
                if (contains(QuantizedTensors.quants(name, f))) {
                    return storedQuantized(name, f, rows, cols);
                }
            }
        }
        requireShape(name, new long[] {rows, cols});
        TensorInfo info = info(name);
        WeightFormat format = switch (info.dtype()) {
            case F32 -> WeightFormat.F32;
            case BF16 -> WeightFormat.BF16;
            case F16 -> WeightFormat.F16;
            default -> throw new CheckpointException("tensor '" + name + "' in " + info.file() + " is "
                    + info.dtype() + "; a weight must be F32, F16 or BF16 (or a Klotski int8/int4 pair)");
        };
        requireArraySized(info, (long) rows * cols);
        return new StoredWeight(name, rows, cols, format, 0, info, null);
    }

    private StoredWeight storedQuantized(String name, WeightFormat format, int rows, int cols) {
        String quantsName = QuantizedTensors.quants(name, format);
        String scalesName = QuantizedTensors.scales(name, format);
        if (!contains(scalesName)) {
            throw new CheckpointException("tensor '" + quantsName + "' has no scales: '" + scalesName
                    + "' is missing from " + modelDir + " — the quantized folder is incomplete; run klotski quantize again");
        }
        TensorInfo q = info(quantsName);
        TensorInfo sc = info(scalesName);
        DType quantType = format == WeightFormat.Q8 ? DType.I8 : DType.U8;
        long packedCols = format == WeightFormat.Q8 ? cols : cols / 2;
        if (q.dtype() != quantType || !Arrays.equals(q.shape(), new long[] {rows, packedCols})) {
            throw new CheckpointException("tensor '" + quantsName + "' in " + q.file() + " is " + q.dtype()
                    + q.shapeString() + " but " + format.label() + " weights of " + Arrays.toString(new long[] {rows, cols})
                    + " need " + quantType + Arrays.toString(new long[] {rows, packedCols})
                    + " — the quantized folder does not match config.json; run klotski quantize again");
        }
        long[] scaleShape = sc.shape();
        if (sc.dtype() != DType.F16 || scaleShape.length != 2 || scaleShape[0] != rows || scaleShape[1] < 1
                || cols % scaleShape[1] != 0) {
            throw new CheckpointException("tensor '" + scalesName + "' in " + sc.file() + " is " + sc.dtype()
                    + sc.shapeString() + " but scales of " + rows + "x" + cols + " " + format.label()
                    + " weights must be F16 [" + rows + ", " + cols + " / group]"
                    + " — the quantized folder is corrupt; run klotski quantize again");
        }
        int group = (int) (cols / scaleShape[1]);
        try {
            WeightMatrix.checkGroup(cols, group, format);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor '" + quantsName + "': " + e.getMessage(), e);
        }
        requireArraySized(q, (long) rows * packedCols);
        return new StoredWeight(name, rows, cols, format, group, q, sc);
    }

    /** One Java array holds at most 2^31 - 9 values; a bigger tensor must be split. */
    private static void requireArraySized(TensorInfo info, long values) {
        if (values > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor '" + info.name() + "' in " + info.file() + " has " + values
                    + " elements, more than one Java array holds — split it into smaller tensors");
        }
    }

    /** A 1-D tensor of exactly {@code [length]} widened to a float32 matrix of one row (norms, biases). */
    public WeightMatrix vector(String name, int length) {
        requireShape(name, new long[] {length});
        return WeightMatrix.f32(1, length, floats(name));
    }

    /** Sum of all tensors' stored bytes (what the HF index calls {@code total_size}). */
    public long totalBytes() {
        long total = 0;
        for (Map.Entry<String, SafetensorsFile> e : byTensor.entrySet()) {
            total += e.getValue().info(e.getKey()).byteLength();
        }
        return total;
    }

    private void requireShape(String name, long[] expected) {
        TensorInfo info = info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new CheckpointException("tensor '" + name + "' in " + info.file() + " has shape "
                    + info.shapeString() + " but the model expects " + Arrays.toString(expected)
                    + " — the checkpoint does not match the architecture in config.json");
        }
    }

    /** The file holding a tensor about to be read, counting it as read. */
    private SafetensorsFile reading(String name) {
        SafetensorsFile f = file(name);
        read.add(name);
        return f;
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            String looked = files.stream().map(x -> x.path().getFileName().toString())
                    .collect(Collectors.joining(", "));
            throw new CheckpointException("tensor '" + name + "' not found in " + modelDir + " (looked in " + looked
                    + "); the checkpoint does not match the architecture in config.json");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + modelDir + ", " + files.size() + " files, " + byTensor.size() + " tensors]";
    }
}
