package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertWeights;
import java.util.concurrent.atomic.LongAdder;

/** Every expert held in host memory as float32: the no-offloading case, where every lookup is a hit. */
final class ResidentExpertWeights implements ExpertWeights {
    private final ExpertFfn[][] experts; // (layer, expert); null rows for dense layers
    private final LongAdder lookups = new LongAdder();

    ResidentExpertWeights(ExpertFfn[][] experts) {
        this.experts = experts;
    }

    @Override
    public ExpertFfn get(int layer, int expert) {
        lookups.increment();
        return experts[layer][expert];
    }

    @Override
    public long lookups() {
        return lookups.sum();
    }

    @Override
    public long hits() {
        return lookups.sum();
    }
}
