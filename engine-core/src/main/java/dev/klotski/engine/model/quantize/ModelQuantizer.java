package dev.klotski.engine.model.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.model.arch.Architecture;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ModelConfigException;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.QuantizationScheme;
import dev.klotski.engine.model.quantize.TensorRoles.Role;
import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.WeightFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Writes a quantized copy of a HuggingFace MoE model folder: routed expert matrices in the scheme's experts
 * format, every other weight matrix in its dense format (BF16 or int8), router weights, the shared-expert gate
 * and 1-D tensors exactly as stored; config.json gains a {@value QuantizationScheme#CONFIG_KEY} object and the
 * folder's other files (tokenizer, generation config...) are copied. Everything is checked before anything is
 * written, the output is staged in a hidden folder and renamed into place, and tensors stream one at a time.
 */
public final class ModelQuantizer {
    /** Shards stay below this, as HuggingFace's save_pretrained splits large models. */
    public static final long DEFAULT_SHARD_BYTES = 2L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives the source bytes converted so far out of the total. */
    @FunctionalInterface
    public interface Listener {
        void progress(long doneBytes, long totalBytes);
    }

    /** What was written. */
    public record Result(Path out, int tensors, int quantizedWeights, long sourceBytes, long writtenBytes,
                         int shards) {
    }

    private final QuantizationScheme scheme;
    private final long shardBytes;

    public ModelQuantizer(QuantizationScheme scheme) {
        this(scheme, DEFAULT_SHARD_BYTES);
    }

    /** With a chosen shard size (tests use a small one to exercise sharding). */
    public ModelQuantizer(QuantizationScheme scheme, long shardBytes) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        if (shardBytes < 1) {
            throw new IllegalArgumentException("shard size must be positive, got " + shardBytes);
        }
        this.shardBytes = shardBytes;
    }

    /** Quantizes the model folder {@code source} into the new folder {@code out} (absent or empty). */
    public Result quantize(Path source, Path out, Listener listener) {
        StagingFolder.requireWritable(out); // before any heavy work
        ModelConfig config = ModelConfig.load(source);
        if (config.quantization() != null) {
            throw new ModelConfigException(source + " is already a Klotski quantized folder ("
                    + config.quantization() + "); quantize the original HuggingFace model instead");
        }
        Architecture arch = ModelLoader.architecture(config);
        try (Checkpoint checkpoint = Checkpoint.open(source)) {
            List<TensorConversion> plan = plan(checkpoint, new TensorRoles(config, arch));
            long total = plan.stream().mapToLong(t -> t.source().byteLength()).sum();
            try (StagingFolder staging = StagingFolder.create(out)) {
                AtomicLong done = new AtomicLong();
                listener.progress(0, total);
                List<List<TensorConversion>> shards = ShardPlan.split(plan, TensorConversion::outputBytes, shardBytes);
                long written = writeShards(staging.dir(), shards, checkpoint,
                        n -> listener.progress(done.addAndGet(n), total));
                writeConfig(source, staging.dir());
                copyOtherFiles(source, staging.dir());
                staging.commit();
                int quantized = (int) plan.stream().filter(t -> t.target() != null && t.target().quantized()).count();
                return new Result(out, plan.size(), quantized, total, written, shards.size());
            }
        }
    }

    /** What each tensor becomes; throws naming the tensor when one cannot be converted. */
    private List<TensorConversion> plan(Checkpoint checkpoint, TensorRoles roles) {
        for (String expert : roles.expertNames()) {
            if (!checkpoint.contains(expert)) {
                throw new CheckpointException("expert weight '" + expert + "' is missing from " + checkpoint.modelDir()
                        + " although config.json describes it — the checkpoint is incomplete or not of this architecture");
            }
        }
        List<TensorConversion> plan = new ArrayList<>();
        List<String> misfits = new ArrayList<>();
        List<Long> inputs = new ArrayList<>();
        for (String name : checkpoint.tensorNames()) {
            TensorInfo info = checkpoint.info(name);
            if (!info.dtype().isFloat()) {
                throw new CheckpointException("tensor '" + name + "' in " + info.file() + " is " + info.dtype()
                        + "; klotski quantize reads F32, F16 and BF16 checkpoints — give it the original model");
            }
            Role role = roles.of(info);
            WeightFormat target = switch (role) {
                case EXPERT -> scheme.experts();
                case DENSE -> scheme.dense();
                case KEEP -> null;
            };
            if (target != null && target.quantized()) {
                long cols = info.shape()[1];
                inputs.add(cols);
                if (cols % scheme.groupSize() != 0) { // the scheme itself keeps int4 groups even
                    misfits.add("'" + name + "' (" + target.label() + ", input dimension " + cols + ")");
                }
            }
            plan.add(new TensorConversion(info, target, scheme.groupSize()));
        }
        if (!misfits.isEmpty()) {
            throw new IllegalArgumentException("group size " + scheme.groupSize() + " does not divide the input "
                    + "dimension of " + misfits.get(0) + (misfits.size() > 1 ? " and " + (misfits.size() - 1)
                    + " more weights" : "") + " — " + suggestion(inputs));
        }
        return plan;
    }

    /** The largest group size below the requested one that fits every quantized weight. */
    private String suggestion(List<Long> inputs) {
        for (int g = scheme.groupSize() - 1; g >= 2; g--) {
            int candidate = g;
            boolean evenNeeded = scheme.experts() == WeightFormat.Q4;
            if ((!evenNeeded || g % 2 == 0) && inputs.stream().allMatch(c -> c % candidate == 0)) {
                return "choose a --group that divides every quantized input dimension, e.g. --group " + g;
            }
        }
        return "no group size of 2 or more divides every quantized input dimension; keep dense weights in bf16";
    }

    private static long writeShards(Path dir, List<List<TensorConversion>> shards, Checkpoint checkpoint,
                                    LongConsumer done) {
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        for (int s = 0; s < shards.size(); s++) {
            String file = shards.size() == 1 ? Checkpoint.SINGLE_FILE : ShardPlan.shardName(s, shards.size());
            SafetensorsWriter writer = new SafetensorsWriter()
                    .metadata(Map.of("format", "pt", "quantized_by", "klotski quantize"));
            for (TensorConversion t : shards.get(s)) {
                t.addTo(writer, checkpoint, done);
                for (String name : t.outputNames()) {
                    weightMap.put(name, file);
                }
            }
            total += writer.write(dir.resolve(file));
        }
        if (shards.size() > 1) {
            SafetensorsWriter.writeShardIndex(dir, weightMap, total);
        }
        return total;
    }

    /** config.json as the source has it, plus the scheme. */
    private void writeConfig(Path source, Path dir) {
        Path file = source.resolve("config.json");
        try {
            JsonNode root = JSON.readTree(file.toFile());
            ((ObjectNode) root).set(QuantizationScheme.CONFIG_KEY, scheme.toJson());
            Files.writeString(dir.resolve("config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the folder's other top-level files (tokenizer, generation config, README...). The source weights
     * and sub-folders are left out: the new safetensors replace the former, and the latter in HF repos hold
     * further copies of the weights (e.g. {@code original/}).
     */
    private static void copyOtherFiles(Path source, Path dir) {
        try (var files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.equals("config.json") && !isWeightFile(name)) {
                    Files.copy(f, dir.resolve(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the files of " + source + ": " + e.getMessage(), e);
        }
    }

    /** Weights in any format a HF folder may carry (safetensors, PyTorch, GGUF...) and their indexes. */
    static boolean isWeightFile(String name) {
        String n = name.endsWith(".index.json") ? name.substring(0, name.length() - ".index.json".length()) : name;
        for (String ext : new String[] {".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".h5", ".msgpack"}) {
            if (n.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }
}
