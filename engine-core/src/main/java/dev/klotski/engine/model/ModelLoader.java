package dev.klotski.engine.model;

import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.model.arch.Architecture;
import dev.klotski.engine.model.arch.Architecture.FfnNames;
import dev.klotski.engine.model.arch.Architecture.QkNorm;
import dev.klotski.engine.model.arch.Architectures;
import dev.klotski.engine.model.layers.Attention;
import dev.klotski.engine.model.layers.DecoderLayer;
import dev.klotski.engine.model.layers.DecoderStack;
import dev.klotski.engine.model.layers.DenseFeedForward;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.layers.FeedForward;
import dev.klotski.engine.model.layers.Linear;
import dev.klotski.engine.model.layers.MoeBlock;
import dev.klotski.engine.model.layers.RmsNorm;
import dev.klotski.engine.model.layers.RotaryEmbedding;
import dev.klotski.engine.model.layers.Router;
import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.model.weights.StoredWeight;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds a {@link MoeModel} from a HuggingFace folder, following the architecture's description. */
public final class ModelLoader {
    private final ModelConfig config;
    private final Architecture arch;
    private final Checkpoint checkpoint;
    private final WeightBytes bytes = new WeightBytes();
    private RotaryEmbedding rope; // shared by all layers; see rope()

    private ModelLoader(ModelConfig config, Architecture arch, Checkpoint checkpoint) {
        this.config = config;
        this.arch = arch;
        this.checkpoint = checkpoint;
    }

    /** Reads config.json and the safetensors of a model folder; weights stay in their stored (compact) format. */
    public static MoeModel load(Path modelDir) {
        return load(modelDir, ModelConfig.load(modelDir));
    }

    /** As {@link #load(Path)}, with config.json already read. */
    public static MoeModel load(Path modelDir, ModelConfig config) {
        return load(modelDir, config, ExpertSourceFactory.RESIDENT);
    }

    /** As {@link #load(Path, ModelConfig)}, with routed experts held by the factory's source. */
    public static MoeModel load(Path modelDir, ModelConfig config, ExpertSourceFactory experts) {
        return load(modelDir, config, experts, HeapBudget.availableHeap());
    }

    /** As {@link #load(Path, ModelConfig, ExpertSourceFactory)}, checking the weights against a given heap budget. */
    static MoeModel load(Path modelDir, ModelConfig config, ExpertSourceFactory experts, long availableHeapBytes) {
        Architecture arch = architecture(config);
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            MoeModel model = new ModelLoader(config, arch, checkpoint).build(experts, availableHeapBytes);
            try {
                UnusedTensors.check(checkpoint);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    /** The registered architecture a config names; a {@link ModelConfigException} listing the supported ones if none. */
    public static Architecture architecture(ModelConfig config) {
        String name = config.architecture();
        return Architectures.find(name).orElseThrow(() -> new ModelConfigException("unsupported architecture '"
                + name + "' in config.json; Klotski runs " + String.join(", ", Architectures.names())));
    }

    private MoeModel build(ExpertSourceFactory factory, long availableHeapBytes) {
        int hidden = config.hiddenSize();
        StoredExpert[][] stored = new StoredExpert[config.layers()][];
        Router[] routers = new Router[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            if (config.isMoeLayer(l)) {
                String p = Architecture.layerPrefix(l);
                // The router first: its [experts, hidden] shape check refuses a corrupt num_experts before the
                // expert array is sized by it.
                routers[l] = new Router(weight(p + arch.routerName(), config.experts(), hidden),
                        config.expertsPerToken(), arch.renormalizesTopK(config.normTopKProb()));
                stored[l] = storedExperts(p);
            }
        }
        ExpertCatalog catalog = new ExpertCatalog(config, stored, routers);
        HeapBudget.check(checkpoint.modelDir(),
                HeapBudget.heldBytes(checkpoint) - catalog.totalBytes() + factory.heldBytes(catalog), availableHeapBytes);
        ExpertSource expertSource = factory.create(catalog, checkpoint);
        try {
            return build(expertSource, routers);
        } catch (RuntimeException e) {
            expertSource.close();
            throw e;
        }
    }

    private MoeModel build(ExpertSource expertSource, Router[] routers) {
        int hidden = config.hiddenSize();
        WeightMatrix embeddings = denseWeight(Architecture.EMBEDDINGS, config.vocabSize(), hidden);
        WeightMatrix lmHead = config.tieWordEmbeddings() && !checkpoint.containsWeight(Architecture.LM_HEAD)
                ? embeddings : denseWeight(Architecture.LM_HEAD, config.vocabSize(), hidden);
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String p = Architecture.layerPrefix(l);
            FeedForward ffn;
            if (config.isMoeLayer(l)) {
                ffn = loadMoeBlock(l, p, routers[l], expertSource);
            } else {
                ffn = new DenseFeedForward(loadFfn(p + Architecture.DENSE_MLP, Architecture.LLAMA_FFN,
                        config.denseIntermediate()));
            }
            layers.add(new DecoderLayer(norm(p + "input_layernorm.weight", hidden), loadAttention(l, p),
                    norm(p + "post_attention_layernorm.weight", hidden), ffn));
        }
        DecoderStack stack = new DecoderStack(embeddings, layers, norm(Architecture.FINAL_NORM, hidden), lmHead);
        expertSource.heldBytesByFormat().forEach(bytes::add);
        return new MoeModel(config, stack, expertSource, bytes);
    }

    private Attention loadAttention(int layer, String p) {
        int hidden = config.hiddenSize();
        String a = p + "self_attn.";
        Linear q = projection(a + "q_proj", config.qDim(), hidden, arch.qkvBias());
        Linear k = projection(a + "k_proj", config.kvDim(), hidden, arch.qkvBias());
        Linear v = projection(a + "v_proj", config.kvDim(), hidden, arch.qkvBias());
        Linear o = projection(a + "o_proj", hidden, config.qDim(), false);
        RmsNorm qNorm = null;
        RmsNorm kNorm = null;
        if (arch.qkNorm() == QkNorm.PER_HEAD) {
            qNorm = norm(a + "q_norm.weight", config.headDim());
            kNorm = norm(a + "k_norm.weight", config.headDim());
        } else if (arch.qkNorm() == QkNorm.WHOLE_PROJECTION) {
            qNorm = norm(a + "q_norm.weight", config.qDim());
            kNorm = norm(a + "k_norm.weight", config.kvDim());
        }
        return new Attention(layer, new AttentionShape(config.heads(), config.kvHeads(), config.headDim()), q, k, v, o,
                qNorm, kNorm, rope());
    }

    /**
     * Made when layer 0's projections have confirmed head_dim against the weights, not before: its tables are
     * sized by head_dim, and a corrupt one (2^30) would take the heap and minutes to fill.
     */
    private RotaryEmbedding rope() {
        if (rope == null) {
            rope = new RotaryEmbedding(config.headDim(), config.ropeTheta());
        }
        return rope;
    }

    private MoeBlock loadMoeBlock(int layer, String p, Router router, ExpertSource experts) {
        ExpertFfn shared = null;
        WeightMatrix sharedGate = null;
        requireSharedExpertSize(p);
        if (arch.hasSharedExpert() && config.sharedIntermediate() > 0) {
            shared = loadFfn(p + arch.sharedExpert(), Architecture.LLAMA_FFN, config.sharedIntermediate());
            sharedGate = weight(p + arch.sharedExpertGate(), 1, config.hiddenSize());
        }
        return new MoeBlock(layer, router, experts, shared, sharedGate);
    }

    /** Shared-expert weights without their width in config.json would be skipped, silently changing the model. */
    private void requireSharedExpertSize(String p) {
        String gate = p + arch.sharedExpert() + Architecture.LLAMA_FFN.gate() + ".weight";
        if (arch.hasSharedExpert() && config.sharedIntermediate() == 0 && checkpoint.containsWeight(gate)) {
            throw new ModelConfigException(checkpoint.modelDir() + ": the checkpoint has shared-expert weights ('"
                    + gate + "') but config.json has no shared_expert_intermediate_size, so the shared expert "
                    + "would be dropped — set shared_expert_intermediate_size to "
                    + checkpoint.info(gate).shape()[0] + " (the rows of that tensor)");
        }
    }

    /** Where a layer's routed experts are stored, checked against the config; nothing is read yet. */
    private StoredExpert[] storedExperts(String p) {
        WeightFormat format = config.quantization() == null ? null : config.quantization().experts();
        int hidden = config.hiddenSize();
        int inter = config.expertIntermediate();
        FfnNames names = arch.expertFfn();
        StoredExpert[] experts = new StoredExpert[config.experts()];
        for (int e = 0; e < experts.length; e++) {
            String prefix = p + String.format(arch.expertPrefix(), e);
            experts[e] = new StoredExpert(storedSchemed(prefix + names.gate() + ".weight", inter, hidden, format),
                    storedSchemed(prefix + names.up() + ".weight", inter, hidden, format),
                    storedSchemed(prefix + names.down() + ".weight", hidden, inter, format));
        }
        return experts;
    }

    /** A dense MLP or shared expert (routed experts come from the expert source). */
    private ExpertFfn loadFfn(String prefix, FfnNames names, int intermediate) {
        int hidden = config.hiddenSize();
        WeightFormat format = config.quantization() == null ? null : config.quantization().dense();
        return new ExpertFfn(schemed(prefix + names.gate() + ".weight", intermediate, hidden, format),
                schemed(prefix + names.up() + ".weight", intermediate, hidden, format),
                schemed(prefix + names.down() + ".weight", hidden, intermediate, format));
    }

    private Linear projection(String name, int out, int in, boolean withBias) {
        WeightMatrix w = denseWeight(name + ".weight", out, in);
        return new Linear(w, withBias ? bytes.count(checkpoint.vector(name + ".bias", out)) : null);
    }

    private RmsNorm norm(String name, int dim) {
        return new RmsNorm(bytes.count(checkpoint.vector(name, dim)), (float) config.rmsNormEps());
    }

    /** A weight in its stored format, counted in the model's held bytes. */
    private WeightMatrix weight(String name, int rows, int cols) {
        return bytes.count(checkpoint.weight(name, rows, cols));
    }

    /** A weight a quantized folder holds in its dense format (attention, embeddings, LM head). */
    private WeightMatrix denseWeight(String name, int rows, int cols) {
        return schemed(name, rows, cols, config.quantization() == null ? null : config.quantization().dense());
    }

    /**
     * A weight that a quantized folder must hold in {@code expected} (null: any format), so a config.json that
     * does not match its weights fails here, naming the tensor, instead of running with the wrong numbers.
     */
    private WeightMatrix schemed(String name, int rows, int cols, WeightFormat expected) {
        return bytes.count(checkpoint.read(storedSchemed(name, rows, cols, expected)));
    }

    /** As {@link #schemed}, located but not read. */
    private StoredWeight storedSchemed(String name, int rows, int cols, WeightFormat expected) {
        StoredWeight w = checkpoint.stored(name, rows, cols);
        int group = config.quantization() == null ? 0 : config.quantization().groupSize();
        if (expected != null && (w.format() != expected || (expected.quantized() && w.group() != group))) {
            throw new CheckpointException("weight '" + name + "' in " + checkpoint.modelDir() + " is stored as "
                    + w.format().label() + (w.group() > 0 ? " with group size " + w.group() : "") + " but config.json's "
                    + QuantizationScheme.CONFIG_KEY + " says " + expected.label()
                    + (expected.quantized() ? " with group size " + group : "")
                    + " — the folder's config.json and weights do not match; quantize the original model again");
        }
        return w;
    }

}
