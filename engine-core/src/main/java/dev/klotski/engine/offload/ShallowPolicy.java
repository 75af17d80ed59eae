package dev.klotski.engine.offload;

/**
 * Fate's shallow-favouring cache: the first MoE layers are cached in full when the slots allow (prefetching is
 * weakest there: layer 0 has nothing before it), the rest share what is left evenly; LRU within a layer.
 */
public final class ShallowPolicy extends LruBackedPolicy {
    /** Fate caches its first 4 MoE layers in full. */
    public static final int FULL_LAYERS = 4;

    public ShallowPolicy(int layers, int experts) {
        super(layers, experts);
    }

    @Override
    public String name() {
        return "shallow";
    }

    @Override
    public int[] quotas(int totalSlots, boolean[] moeLayers, int experts, int minPerLayer) {
        return Quotas.shallow(totalSlots, moeLayers, experts, minPerLayer, FULL_LAYERS);
    }
}
