package dev.klotski.engine.offload;

/**
 * A policy that keeps LRU's bookkeeping underneath, for its ties or for the experts it does not rank itself.
 * Evicts the least recently used unless a subclass chooses otherwise.
 */
abstract class LruBackedPolicy implements CachePolicy {
    protected final LruPolicy lru;

    LruBackedPolicy(int layers, int experts) {
        this.lru = new LruPolicy(layers, experts);
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
