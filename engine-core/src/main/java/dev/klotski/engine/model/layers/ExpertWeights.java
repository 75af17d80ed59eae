package dev.klotski.engine.model.layers;

/**
 * Where MoE layers get routed experts from. Today every expert is resident in host memory; the offloading
 * layer will implement this with tiers, a device cache and prefetching, and the MoE layer will not change.
 * Implementations must be safe for concurrent readers.
 */
public interface ExpertWeights extends AutoCloseable {

    /** The weights of one expert, resident and ready to compute with; may block while they load. */
    ExpertFfn get(int layer, int expert);

    /** How many expert lookups were made. */
    long lookups();

    /** Of those lookups, how many found the expert already resident. */
    long hits();

    @Override
    default void close() {
    }
}
