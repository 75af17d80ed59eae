package dev.klotski.engine.offload;

/**
 * Fate's shallow-favouring cache: the first MoE layers are cached in full when the slots allow (prefetching is
 * weakest there: layer 0 has nothing before it), the rest share what is left evenly; LRU within a layer.
 */
public final class ShallowPolicy implements CachePolicy {
    /** Fate caches its first 4 MoE layers in full. */
    public static final int FULL_LAYERS = 4;

    private final LruPolicy lru;

    public ShallowPolicy(int layers, int experts) {
        this.lru = new LruPolicy(layers, experts);
    }

    @Override
    public String name() {
        return "shallow";
    }

    @Override
    public int[] quotas(int totalSlots, boolean[] moeLayers, int experts, int minPerLayer) {
        return Quotas.shallow(totalSlots, moeLayers, experts, minPerLayer, FULL_LAYERS);
    }

    @Override
    public void onUse(int layer, int expert) {
        lru.onUse(layer, expert);
    }

    @Override
    public void onInsert(int layer, int expert, boolean prefetched) {
        lru.onInsert(layer, expert, prefetched);
    }

    @Override
    public void onEvict(int layer, int expert) {
        lru.onEvict(layer, expert);
    }

    @Override
    public int victim(int layer, int[] candidates, int count) {
        return lru.victim(layer, candidates, count);
    }
}
