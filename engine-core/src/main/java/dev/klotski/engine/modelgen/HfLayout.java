package dev.klotski.engine.modelgen;

/**
 * Where a HuggingFace checkpoint of each architecture make-model writes keeps its tensors. Spelled out here
 * rather than taken from the engine's own descriptions (model.arch): a model written from these names checks
 * the loader's names instead of repeating them, and make-model depends only on the checkpoint format.
 *
 * @param hfName            the config.json architectures string
 * @param qkNorm            which q/k norm weights exist
 * @param qkvBias           q/k/v projections carry a bias vector
 * @param router            router weight, relative to the layer prefix
 * @param expertPrefix      a routed expert's prefix with %d for the expert index
 * @param expertFfn         the names of an expert's gate, up and down projections
 * @param sharedExpert      prefix of the shared expert, or null
 * @param sharedExpertGate  weight of the shared expert's gate, or null
 */
record HfLayout(String hfName, QkNorm qkNorm, boolean qkvBias, String router, String expertPrefix, Ffn expertFfn,
                String sharedExpert, String sharedExpertGate) {

    static final String EMBEDDINGS = "model.embed_tokens.weight";
    static final String FINAL_NORM = "model.norm.weight";
    static final String LM_HEAD = "lm_head.weight";
    static final Ffn LLAMA_FFN = new Ffn("gate_proj", "up_proj", "down_proj");

    /** Which q/k RMSNorm weights a layer has: none, one per head (head_dim wide), or one over the projection. */
    enum QkNorm { NONE, PER_HEAD, WHOLE_PROJECTION }

    /** Names of a SwiGLU block's three projections. */
    record Ffn(String gate, String up, String down) {
    }

    /** The layout for a make-model architecture name. */
    static HfLayout of(String arch) {
        return switch (arch) {
            case "mixtral" -> new HfLayout("MixtralForCausalLM", QkNorm.NONE, false, "block_sparse_moe.gate.weight",
                    "block_sparse_moe.experts.%d.", new Ffn("w1", "w3", "w2"), null, null);
            case "qwen3_moe" -> new HfLayout("Qwen3MoeForCausalLM", QkNorm.PER_HEAD, false, "mlp.gate.weight",
                    "mlp.experts.%d.", LLAMA_FFN, null, null);
            case "qwen2_moe" -> new HfLayout("Qwen2MoeForCausalLM", QkNorm.NONE, true, "mlp.gate.weight",
                    "mlp.experts.%d.", LLAMA_FFN, "mlp.shared_expert.", "mlp.shared_expert_gate.weight");
            case "olmoe" -> new HfLayout("OlmoeForCausalLM", QkNorm.WHOLE_PROJECTION, false, "mlp.gate.weight",
                    "mlp.experts.%d.", LLAMA_FFN, null, null);
            default -> throw new IllegalArgumentException("unknown --arch '" + arch
                    + "'; choose one of mixtral, qwen3_moe, qwen2_moe, olmoe");
        };
    }

    /** Prefix of all tensors of one decoder layer. */
    static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    boolean hasSharedExpert() {
        return sharedExpert != null;
    }
}
