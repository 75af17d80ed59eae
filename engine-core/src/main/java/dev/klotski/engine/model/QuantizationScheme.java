package dev.klotski.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.tensor.WeightFormat;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a Klotski quantized folder holds its weights, as recorded in config.json under
 * {@value #CONFIG_KEY}: {@code {"format_version": 1, "experts": "int8", "dense": "bf16", "group_size": 32}}.
 * Routed expert matrices are in {@code experts}; every other weight matrix (attention, embeddings, LM head,
 * dense MLPs, shared experts) in {@code dense}; router weights, the shared-expert gate and 1-D tensors stay as
 * the source stored them.
 *
 * @param experts   Q8 or Q4
 * @param dense     BF16 or Q8
 * @param groupSize inputs per f16 scale
 */
public record QuantizationScheme(WeightFormat experts, WeightFormat dense, int groupSize) {
    /** The config.json key. */
    public static final String CONFIG_KEY = "klotski_quantization";
    /** The layout version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private static final String EXPERT_FORMATS = "int8, int4";
    private static final String DENSE_FORMATS = "bf16, int8";

    public QuantizationScheme {
        Objects.requireNonNull(experts, "experts");
        Objects.requireNonNull(dense, "dense");
        if (!experts.quantized()) {
            throw new IllegalArgumentException("experts must be one of " + EXPERT_FORMATS + ", not " + experts.label());
        }
        if (dense != WeightFormat.BF16 && dense != WeightFormat.Q8) {
            throw new IllegalArgumentException("dense must be one of " + DENSE_FORMATS + ", not " + dense.label());
        }
        if (groupSize < 2 || (experts == WeightFormat.Q4 && groupSize % 2 != 0)) {
            throw new IllegalArgumentException("group size must be an integer >= 2" + (experts == WeightFormat.Q4
                    ? " and even for int4" : "") + ", got " + groupSize + " (32, GGUF's block size, is the usual)");
        }
    }

    /** From user-typed labels ("int8", "bf16", ...); throws IllegalArgumentException naming the valid values. */
    public static QuantizationScheme of(String experts, String dense, int groupSize) {
        return new QuantizationScheme(label(experts, EXPERT_FORMATS, "experts"), label(dense, DENSE_FORMATS, "dense"),
                groupSize);
    }

    private static WeightFormat label(String label, String valid, String what) {
        for (String v : valid.split(", ")) {
            if (v.equalsIgnoreCase(label)) {
                return WeightFormat.fromLabel(v);
            }
        }
        throw new IllegalArgumentException("unknown " + what + " format '" + label + "': use one of " + valid);
    }

    /** The config.json object, or a ModelConfigException naming {@code file} and the valid values. */
    static QuantizationScheme fromJson(JsonNode node, Path file) {
        String where = file + ": \"" + CONFIG_KEY + "\"";
        if (!node.isObject()) {
            throw new ModelConfigException(where + " must be an object like {\"format_version\": 1, \"experts\": "
                    + "\"int8\", \"dense\": \"bf16\", \"group_size\": 32}");
        }
        JsonNode version = node.get("format_version");
        if (version == null || !version.isInt() || version.asInt() != FORMAT_VERSION) {
            throw new ModelConfigException(where + " has format_version " + version + "; this build reads version "
                    + FORMAT_VERSION + " only — quantize the original model again with this build's klotski quantize");
        }
        JsonNode group = node.get("group_size");
        if (group == null || !group.isInt()) {
            throw new ModelConfigException(where + " needs an integer group_size (e.g. 32), got " + group);
        }
        try {
            return of(text(node, "experts", where, EXPERT_FORMATS), text(node, "dense", where, DENSE_FORMATS),
                    group.asInt());
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field, String where, String valid) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new ModelConfigException(where + " needs \"" + field + "\" as a string, one of " + valid
                    + ", got " + v);
        }
        return v.asText();
    }

    /** The config.json object this scheme is recorded as. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("format_version", FORMAT_VERSION);
        o.put("experts", experts.label());
        o.put("dense", dense.label());
        o.put("group_size", groupSize);
        return o;
    }

    /**
     * Throws unless the group size divides every input dimension a weight in a quantized format has: hidden
     * (expert gate/up; with int8 dense also q/k/v, embeddings and the dense MLP gate/up), the expert width
     * (expert down) and, with int8 dense, qDim (o_proj) and the dense and shared MLP widths (their down).
     */
    void checkDivides(ModelConfig c, Path file) {
        requireDivides(c.hiddenSize(), "hidden_size", "every expert's gate and up projection", file);
        requireDivides(c.expertIntermediate(), "the expert intermediate size", "every expert's down projection", file);
        if (dense == WeightFormat.Q8) {
            requireDivides(c.qDim(), "num_attention_heads x head_dim", "o_proj", file);
            boolean anyDense = false;
            for (int l = 0; l < c.layers(); l++) {
                anyDense |= !c.isMoeLayer(l);
            }
            if (anyDense) {
                requireDivides(c.denseIntermediate(), "intermediate_size", "the dense MLPs' down projection", file);
            }
            if (c.sharedIntermediate() > 0) {
                requireDivides(c.sharedIntermediate(), "shared_expert_intermediate_size",
                        "the shared expert's down projection", file);
            }
        }
    }

    private void requireDivides(int dim, String field, String input, Path file) {
        if (dim % groupSize != 0) {
            throw new ModelConfigException(file + ": \"" + CONFIG_KEY + "\" group_size " + groupSize
                    + " does not divide " + field + " " + dim + " (the input of " + input
                    + ") — the folder is corrupt; quantize the original again with a --group that divides it");
        }
    }

    @Override
    public String toString() {
        return "experts " + experts.label() + ", dense " + dense.label() + ", group " + groupSize;
    }
}
