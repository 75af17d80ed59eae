package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * Which expert an {@link ExpertCache} evicts, and how its slots are shared among layers. The cache calls the
 * hooks under its own lock, one at a time, so a policy needs no locking of its own. The same policy objects run
 * in the engine and in trace replay, which is how a policy measured on real routing is the one that runs.
 */
public interface CachePolicy {

    /** The name users select it by (lru, lfu, shallow, activation-aware, pin, forecast). */
    String name();

    /**
     * Slots per layer out of {@code totalSlots}: 0 for layers without experts ({@code moeLayers[l]} false), at
     * least {@code minPerLayer} for the others. The default shares them equally, the remainder going to the
     * earliest layers. The caller guarantees {@code totalSlots >= minPerLayer * (MoE layers)}.
     */
    default int[] quotas(int totalSlots, boolean[] moeLayers, int experts, int minPerLayer) {
        return Quotas.equal(totalSlots, moeLayers, experts);
    }

    /** A pass needed a resident expert (a hit), or an expert it needed has just loaded. */
    void onUse(int layer, int expert);

    /** The expert took a slot ({@code prefetched}: ahead of need, not because a pass asked for it). */
    void onInsert(int layer, int expert, boolean prefetched);

    /** The expert left the cache. */
    void onEvict(int layer, int expert);

    /** The expert to evict among {@code candidates[0..count)}: resident experts of {@code layer}, none in use. */
    int victim(int layer, int[] candidates, int count);

    /**
     * Whether to evict {@code victim} (chosen by {@link #victim}) to make room for prefetching {@code expert}: a
     * policy that ranks both may refuse a guess worth less than what it would displace. Never asked for demand
     * loads. The default always evicts.
     */
    default boolean evictsForPrefetch(int layer, int expert, int victim) {
        return true;
    }

    /** Routing as it happens, for policies that rank by the activations of running requests. */
    default void observe(RoutingEvent event) {
    }

    /** A request finished. */
    default void requestEnded(long requestId) {
    }
}
