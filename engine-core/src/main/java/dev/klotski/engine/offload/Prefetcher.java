package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * Predicts experts of later layers from what a layer's router has just decided, so they load while the current
 * layer computes. Called on the compute thread right after each MoE layer routes; must be quick and must copy
 * whatever it keeps from the event. The same objects run in the engine and in trace replay.
 */
public interface Prefetcher {

    /** The name users select it by (none, next-gate, correlation, markov, eam). */
    String name();

    /** After layer {@code event.layer()} routed: names experts of later layers to load, best first. */
    void predict(RoutingEvent event, PrefetchSink sink);

    /** A request finished: fold what was learned from it, drop per-request state. */
    default void requestEnded(long requestId) {
    }

    /** Whether it needs the router's input (hidden states), which a recorded trace does not have. */
    default boolean needsHiddenStates() {
        return false;
    }
}
