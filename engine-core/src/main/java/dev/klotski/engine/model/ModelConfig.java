package dev.klotski.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.klotski.engine.util.StrictUtf8;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fields of a HuggingFace {@code config.json} that the engine uses, normalised across architectures
 * (Mixtral says num_local_experts, Qwen says num_experts, and so on).
 *
 * @param architecture        the HF architectures[0] string, e.g. "MixtralForCausalLM"
 * @param hiddenSize          width of the residual stream
 * @param layers              number of decoder layers
 * @param heads               query heads
 * @param kvHeads             key/value heads (grouped-query attention when fewer than heads)
 * @param headDim             width of one head (explicit in Qwen3, else hidden / heads)
 * @param vocabSize           rows of the embedding and LM head
 * @param experts             routed experts per MoE layer
 * @param expertsPerToken     top-k
 * @param expertIntermediate  inner width of one routed expert
 * @param denseIntermediate   inner width of a dense MLP layer (Qwen mlp_only_layers)
 * @param sharedIntermediate  inner width of the shared expert, 0 when there is none
 * @param normTopKProb        renormalise the top-k router weights to sum to 1
 * @param ropeTheta           RoPE base
 * @param rmsNormEps          RMSNorm epsilon
 * @param contextLength       tokens a sequence may hold: max_position_embeddings, or a smaller sliding window
 * @param tieWordEmbeddings   the LM head reuses the embedding matrix
 * @param moeLayers           which layers are MoE (others are dense MLPs)
 * @param bosTokenId          -1 when absent
 * @param eosTokenIds         end-of-sequence ids (config may give one or a list)
 * @param quantization        how a Klotski quantized folder holds its weights; null for an ordinary folder
 */
public record ModelConfig(String architecture, int hiddenSize, int layers, int heads, int kvHeads, int headDim,
                          int vocabSize, int experts, int expertsPerToken, int expertIntermediate,
                          int denseIntermediate, int sharedIntermediate, boolean normTopKProb, double ropeTheta,
                          double rmsNormEps, int contextLength, boolean tieWordEmbeddings, boolean[] moeLayers,
                          int bosTokenId, int[] eosTokenIds, QuantizationScheme quantization) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // a second document after the first is corruption
            .build();
    /** Far above any model's depth (the deepest have a few hundred layers), far below a corrupt size's cost. */
    static final int MAX_LAYERS = 1 << 16;

    /** Reads {@code config.json} (and eos ids from {@code generation_config.json} when present) in a model folder. */
    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        JsonNode root = readJson(file);
        JsonNode generation = Files.exists(modelDir.resolve("generation_config.json"))
                ? readJson(modelDir.resolve("generation_config.json")) : JSON.createObjectNode();
        return parse(root, generation, file);
    }

    static ModelConfig parse(JsonNode c, JsonNode generation, Path file) {
        Fields f = new Fields(c, file);
        JsonNode archs = c.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty()) {
            throw new ModelConfigException(file + ": 'architectures' is missing; it names the model class, "
                    + "e.g. [\"MixtralForCausalLM\"]");
        }
        if (!archs.get(0).isTextual() || archs.get(0).asText().isEmpty()) {
            throw new ModelConfigException(file + ": 'architectures' must name the model class as a string, e.g. "
                    + "[\"MixtralForCausalLM\"], got " + archs);
        }
        String architecture = archs.get(0).asText();
        int hidden = f.requiredInt("hidden_size");
        int layers = f.requiredInt("num_hidden_layers");
        if (layers > MAX_LAYERS) {
            // Checked here: the layer flags below are sized by it, before the weights can say it is wrong.
            throw new ModelConfigException(file + ": num_hidden_layers " + layers + " is more than " + MAX_LAYERS
                    + ", far beyond any model; config.json is corrupt — download it again with the weights");
        }
        int heads = f.requiredInt("num_attention_heads");
        int kvHeads = f.optionalInt("num_key_value_heads", heads);
        int headDim = f.optionalInt("head_dim", hidden / heads);
        if ((long) heads * headDim > Integer.MAX_VALUE) { // kv heads divide heads (checked below): no larger
            throw new ModelConfigException(file + ": num_attention_heads " + heads + " × head_dim " + headDim
                    + " overflows the width of one projection; config.json is corrupt — download it again");
        }
        if (headDim % 2 != 0) {
            throw new ModelConfigException(file + ": head_dim " + headDim + " is odd, but rotary position embedding "
                    + "rotates each head in pairs of elements — set head_dim (or hidden_size / num_attention_heads) "
                    + "to the model's even head width");
        }
        int experts = c.has("num_local_experts") ? f.requiredInt("num_local_experts") : f.requiredInt("num_experts");
        int topK = f.requiredInt("num_experts_per_tok");
        int denseIntermediate = f.optionalInt("intermediate_size", 0);
        int expertIntermediate = f.optionalInt("moe_intermediate_size", denseIntermediate);
        if (expertIntermediate <= 0) {
            throw new ModelConfigException(file + ": needs 'moe_intermediate_size' or 'intermediate_size'");
        }
        int shared = f.optionalInt("shared_expert_intermediate_size", 0);
        if (heads % kvHeads != 0) {
            throw new ModelConfigException(file + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (topK < 1 || topK > experts) {
            throw new ModelConfigException(file + ": num_experts_per_tok " + topK + " must be in 1.." + experts);
        }
        boolean[] moe = moeLayers(f, layers);
        Path generationFile = file.resolveSibling("generation_config.json");
        int[] eos = ids("eos_token_id", generation, generationFile, c, file);
        int[] bos = ids("bos_token_id", generation, generationFile, c, file);
        JsonNode q = c.get(QuantizationScheme.CONFIG_KEY);
        QuantizationScheme quantization = q == null || q.isNull() ? null : QuantizationScheme.fromJson(q, file);
        requirePlainRope(c, file);
        double ropeTheta = f.optionalPositive("rope_theta", 10000.0);
        if (ropeTheta < 1) {
            throw new ModelConfigException(file + ": rope_theta " + ropeTheta + " is below 1; RoPE bases are "
                    + "10000 or so and up, and below 1 the rotation frequencies grow instead of fall, until they "
                    + "overflow");
        }
        int context = AttentionWindow.context(f.optionalBoolean("use_sliding_window", true),
                f.optionalInt("max_position_embeddings", 4096),
                f.optionalInt("sliding_window", 0), file);
        ModelConfig config = new ModelConfig(architecture, hidden, layers, heads, kvHeads, headDim,
                f.requiredInt("vocab_size"), experts, topK, expertIntermediate, denseIntermediate, shared,
                f.optionalBoolean("norm_topk_prob", false), ropeTheta,
                f.optionalPositive("rms_norm_eps", 1e-6), context,
                f.optionalBoolean("tie_word_embeddings", false), moe,
                bos.length == 0 ? -1 : bos[0], eos, quantization);
        if (quantization != null) {
            quantization.checkDivides(config, file);
        }
        return config;
    }

    /**
     * RoPE scaling (linear, dynamic, YaRN, llama3, longrope) changes the angle of every position; the engine
     * implements plain RoPE only, so a scaled model is refused rather than run with wrong positions.
     */
    private static void requirePlainRope(JsonNode c, Path file) {
        JsonNode scaling = c.get("rope_scaling");
        if (scaling == null || scaling.isNull()) {
            return;
        }
        String type = scaling.path("rope_type").asText(scaling.path("type").asText(""));
        if (!type.equals("default")) {
            throw new ModelConfigException(file + ": rope_scaling " + scaling + " is not supported; Klotski "
                    + "implements plain RoPE (rope_theta) only and would encode positions wrongly — use a model "
                    + "without rope_scaling (null or {\"rope_type\": \"default\"})");
        }
    }

    /** Qwen models may keep some layers dense: mlp_only_layers, or every layer not on decoder_sparse_step. */
    private static boolean[] moeLayers(Fields f, int layers) {
        Set<Integer> dense = new TreeSet<>();
        JsonNode only = f.node().path("mlp_only_layers");
        if (!only.isMissingNode() && !only.isNull() && !only.isArray()) {
            throw new ModelConfigException(f.file() + ": 'mlp_only_layers' must be a list of layer numbers, got "
                    + only);
        }
        for (JsonNode n : only) {
            if (!isInt(n) || n.asInt() < 0) {
                throw new ModelConfigException(f.file() + ": 'mlp_only_layers' holds " + n
                        + ", which is not a layer number");
            }
            dense.add(n.asInt());
        }
        int step = f.optionalInt("decoder_sparse_step", 1);
        boolean[] moe = new boolean[layers];
        for (int l = 0; l < layers; l++) {
            moe[l] = !dense.contains(l) && (l + 1) % step == 0;
        }
        return moe;
    }

    /** A token id field from generation_config.json when it has the key, else from config.json. */
    private static int[] ids(String name, JsonNode generation, Path generationFile, JsonNode config, Path file) {
        return generation.has(name) ? tokenIds(generation.get(name), name, generationFile)
                : tokenIds(config.get(name), name, file);
    }

    /** bos/eos_token_id: one id, a list or null; anything else would be read as id 0 and stop on a real token. */
    private static int[] tokenIds(JsonNode node, String name, Path file) {
        List<Integer> ids = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> ids.add(tokenId(n, name, file)));
        } else if (node != null && !node.isNull()) {
            ids.add(tokenId(node, name, file));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int tokenId(JsonNode n, String name, Path file) {
        if (!isInt(n) || n.asInt() < 0) {
            throw new ModelConfigException(file + ": " + name + " is " + n
                    + ", which is not a token id (an integer from 0)");
        }
        return n.asInt();
    }

    /** An integer that fits an int: 64.0 passes; 64.5, "64" and 2^31 do not (Jackson reads them as 64, 64, -2^31). */
    private static boolean isInt(JsonNode v) {
        return v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToInt();
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(StrictUtf8.read(file));
            if (!node.isObject()) {
                throw new ModelConfigException(file + " is not a JSON object of settings — the file is corrupt; "
                        + "download it again with the model");
            }
            return node;
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ModelConfigException("model config not found: " + file
                    + " (--model must point at a HuggingFace model folder with config.json)");
        } catch (IOException e) {
            throw new ModelConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads typed fields with errors that name the file and the field. */
    private record Fields(JsonNode node, Path file) {
        int requiredInt(String name) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                throw new ModelConfigException(file + ": required field '" + name + "' is missing");
            }
            if (!isInt(v) || v.asInt() <= 0) {
                throw new ModelConfigException(file + ": field '" + name + "' must be a positive integer, got " + v);
            }
            return v.asInt();
        }

        /** true or false; Jackson would read "abc" and [] as false and 5 as true. */
        boolean optionalBoolean(String name, boolean fallback) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw new ModelConfigException(file + ": field '" + name + "' must be true or false, got " + v);
            }
            return v.asBoolean();
        }

        int optionalInt(String name, int fallback) {
            JsonNode v = node.get(name);
            return v == null || v.isNull() ? fallback : requiredInt(name);
        }

        /** A finite number above 0; Jackson would read "abc" as the fallback and "NaN" as NaN, so both fail here. */
        double optionalPositive(String name, double fallback) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() <= 0) {
                throw new ModelConfigException(file + ": field '" + name + "' must be a positive number, got " + v);
            }
            return v.asDouble();
        }
    }

    public boolean isMoeLayer(int layer) {
        return moeLayers[layer];
    }

    /** Query width: heads × head_dim (may differ from hidden_size in Qwen3). */
    public int qDim() {
        return heads * headDim;
    }

    /** Key/value width: kv_heads × head_dim. */
    public int kvDim() {
        return kvHeads * headDim;
    }
}
