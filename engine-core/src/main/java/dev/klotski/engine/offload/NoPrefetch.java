package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/** Loads on demand only: the baseline every prefetcher is measured against. */
public final class NoPrefetch implements Prefetcher {

    @Override
    public String name() {
        return "none";
    }

    @Override
    public void predict(RoutingEvent event, PrefetchSink sink) {
    }
}
