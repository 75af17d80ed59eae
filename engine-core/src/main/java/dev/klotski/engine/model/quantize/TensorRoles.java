package dev.klotski.engine.model.quantize;

import dev.klotski.engine.model.arch.Architecture;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.weights.TensorInfo;
import java.util.LinkedHashSet;
import java.util.Set;

/** Which part of the model each tensor of a checkpoint is, as far as quantization cares. */
final class TensorRoles {
    /** What happens to a tensor. */
    enum Role {
        /** A routed expert's gate, up or down matrix: goes to the experts format. */
        EXPERT,
        /** Any other 2-D weight matrix (attention, embeddings, LM head, dense MLP, shared expert). */
        DENSE,
        /** Router weights, the shared-expert gate and every 1-D tensor: copied exactly as stored. */
        KEEP
    }

    private final Set<String> experts = new LinkedHashSet<>();
    private final Set<String> kept = new LinkedHashSet<>();

    TensorRoles(ModelConfig config, Architecture arch) {
        for (int l = 0; l < config.layers(); l++) {
            if (!config.isMoeLayer(l)) {
                continue;
            }
            String p = Architecture.layerPrefix(l);
            kept.add(p + arch.routerName());
            if (arch.hasSharedExpert()) {
                kept.add(p + arch.sharedExpertGate()); // (1, hidden): a gate, not a matrix worth quantizing
            }
            for (int e = 0; e < config.experts(); e++) {
                String prefix = p + String.format(arch.expertPrefix(), e);
                experts.add(prefix + arch.expertFfn().gate() + ".weight");
                experts.add(prefix + arch.expertFfn().up() + ".weight");
                experts.add(prefix + arch.expertFfn().down() + ".weight");
            }
        }
    }

    Role of(TensorInfo info) {
        if (experts.contains(info.name())) {
            return Role.EXPERT;
        }
        return info.rank() == 2 && !kept.contains(info.name()) ? Role.DENSE : Role.KEEP;
    }

    /** Every routed expert matrix the config implies, so a source missing one fails before writing. */
    Set<String> expertNames() {
        return experts;
    }
}
