package dev.klotski.engine.model.arch;

import java.util.Objects;

/**
 * A declarative description of one HuggingFace MoE architecture: where its tensors are and which rules its
 * layers follow. The forward pass is shared; an architecture only fills in this record.
 *
 * @param hfName         the config.json architectures string it is registered under
 * @param qkNorm         whether and how queries and keys are RMS-normalised before RoPE
 * @param qkvBias        q/k/v projections carry a bias vector (Qwen2-MoE)
 * @param routerName     router weight (experts, hidden), relative to the layer prefix
 * @param expertPrefix   a routed expert's prefix with %d for the expert index
 * @param expertFfn      the names of an expert's gate, up and down projections
 * @param routerNorm     how the top-k weights are normalised
 * @param sharedExpert   prefix of the always-on shared expert, or null
 * @param sharedExpertGate  weight (1, hidden) of the shared expert's sigmoid gate, or null
 */
public record Architecture(String hfName, QkNorm qkNorm, boolean qkvBias, String routerName, String expertPrefix,
                           FfnNames expertFfn, RouterNorm routerNorm, String sharedExpert, String sharedExpertGate) {

    /** Tensors every architecture here shares with Llama. */
    public static final String EMBEDDINGS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    /** Dense MLP of a non-MoE layer (Qwen mlp_only_layers). */
    public static final String DENSE_MLP = "mlp.";
    public static final FfnNames LLAMA_FFN = new FfnNames("gate_proj", "up_proj", "down_proj");

    public Architecture {
        Objects.requireNonNull(hfName, "hfName");
        Objects.requireNonNull(qkNorm, "qkNorm");
        Objects.requireNonNull(routerName, "routerName");
        Objects.requireNonNull(expertPrefix, "expertPrefix");
        Objects.requireNonNull(expertFfn, "expertFfn");
        Objects.requireNonNull(routerNorm, "routerNorm");
    }

    /** How queries and keys are normalised. */
    public enum QkNorm {
        NONE,
        /** One RMSNorm of width head_dim applied to each head (Qwen3-MoE). */
        PER_HEAD,
        /** One RMSNorm over the whole q (and k) projection output (OLMoE). */
        WHOLE_PROJECTION
    }

    /** How the kept top-k router probabilities are scaled. */
    public enum RouterNorm {
        /** Always renormalise to sum to 1 (Mixtral). */
        ALWAYS,
        /** Renormalise only when config.json has norm_topk_prob: true (Qwen, OLMoE). */
        FROM_CONFIG
    }

    /** Names of a SwiGLU block's three projections. */
    public record FfnNames(String gate, String up, String down) {
    }

    /** Prefix of all tensors of one decoder layer. */
    public static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    public boolean hasSharedExpert() {
        return sharedExpert != null;
    }

    /** Whether the top-k weights are renormalised, given config.json's norm_topk_prob. */
    public boolean renormalizesTopK(boolean normTopKProb) {
        return routerNorm == RouterNorm.ALWAYS || normTopKProb;
    }
}
