package dev.klotski.engine.model.arch;

import dev.klotski.engine.model.arch.Architecture.FfnNames;
import dev.klotski.engine.model.arch.Architecture.QkNorm;
import dev.klotski.engine.model.arch.Architecture.RouterNorm;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The registry of supported architectures, keyed by the HuggingFace {@code architectures} string. */
public final class Architectures {

    /** Mixtral: block_sparse_moe with w1 (gate), w3 (up), w2 (down); top-k weights always renormalised. */
    public static final Architecture MIXTRAL = new Architecture("MixtralForCausalLM", QkNorm.NONE, false,
            "block_sparse_moe.gate.weight", "block_sparse_moe.experts.%d.", new FfnNames("w1", "w3", "w2"),
            RouterNorm.ALWAYS, null, null);

    /** Qwen3-MoE: per-head q/k RMSNorm before RoPE; renormalises when norm_topk_prob. */
    public static final Architecture QWEN3_MOE = new Architecture("Qwen3MoeForCausalLM", QkNorm.PER_HEAD, false,
            "mlp.gate.weight", "mlp.experts.%d.", Architecture.LLAMA_FFN, RouterNorm.FROM_CONFIG, null, null);

    /** Qwen2-MoE: q/k/v biases and a shared expert behind a sigmoid gate. */
    public static final Architecture QWEN2_MOE = new Architecture("Qwen2MoeForCausalLM", QkNorm.NONE, true,
            "mlp.gate.weight", "mlp.experts.%d.", Architecture.LLAMA_FFN, RouterNorm.FROM_CONFIG,
            "mlp.shared_expert.", "mlp.shared_expert_gate.weight");

    /** OLMoE: q/k RMSNorm over the whole projection output. */
    public static final Architecture OLMOE = new Architecture("OlmoeForCausalLM", QkNorm.WHOLE_PROJECTION, false,
            "mlp.gate.weight", "mlp.experts.%d.", Architecture.LLAMA_FFN, RouterNorm.FROM_CONFIG, null, null);

    private static final Map<String, Architecture> BY_NAME = List.of(MIXTRAL, QWEN3_MOE, QWEN2_MOE, OLMOE).stream()
            .collect(Collectors.toUnmodifiableMap(Architecture::hfName, Function.identity()));

    private Architectures() {
    }

    /** The architecture registered under a config.json architectures name, if there is one. */
    public static Optional<Architecture> find(String hfName) {
        return Optional.ofNullable(BY_NAME.get(hfName));
    }

    /** The registered names, sorted: for messages that list what is supported. */
    public static List<String> names() {
        return BY_NAME.keySet().stream().sorted().toList();
    }

    /** All registered architectures, by HF name. */
    public static Map<String, Architecture> all() {
        return BY_NAME;
    }
}
