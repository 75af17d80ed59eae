package dev.klotski.engine.model.layers;

/** Sees every MoE layer's routing as it happens (a profiler learning co-activation counts, say). */
public interface RoutingListener {

    /** Layer {@code event.layer()} routed; the event is reused afterwards, so copy what you keep. */
    void routed(RoutingEvent event);

    /** A request finished. */
    default void requestEnded(long requestId) {
    }
}
