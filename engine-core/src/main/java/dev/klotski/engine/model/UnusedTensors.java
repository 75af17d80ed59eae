package dev.klotski.engine.model;

import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.CheckpointException;
import java.util.List;

/**
 * After loading, every tensor of the checkpoint must have been read. A tensor the model never reads is
 * almost always part of the network the engine leaves out (a shared expert, a bias, a norm, a layer of an
 * architecture variant), and the outputs would be wrong with no other sign; an unattended batch job would
 * write those rows as if they were good. So this is an error, as llama.cpp makes it ("wrong number of
 * tensors"), not a log line few would read. Buffers that HuggingFace itself ignores when loading are exempt.
 */
final class UnusedTensors {
    /** Rotary tables some older conversions saved; recomputed from rope_theta, as transformers does. */
    private static final List<String> DERIVED_SUFFIXES = List.of(".rotary_emb.inv_freq");
    private static final int LISTED = 8;

    private UnusedTensors() {
    }

    static void check(Checkpoint checkpoint) {
        List<String> unused = checkpoint.unreadTensors().stream()
                .filter(n -> DERIVED_SUFFIXES.stream().noneMatch(n::endsWith))
                .toList();
        if (unused.isEmpty()) {
            return;
        }
        String listed = String.join("', '", unused.subList(0, Math.min(LISTED, unused.size())));
        throw new CheckpointException(checkpoint.modelDir() + " holds " + unused.size() + " tensor"
                + (unused.size() == 1 ? "" : "s") + " the model would not use: '" + listed + "'"
                + (unused.size() > LISTED ? " and " + (unused.size() - LISTED) + " more" : "")
                + " — running without them would give wrong outputs; check that config.json describes this "
                + "checkpoint (architecture, layers, experts, shared expert), or remove tensors that are not "
                + "part of the model");
    }
}
