package dev.klotski.engine.offload;

/**
 * Least recently used (Mixtral-offloading): evict the expert whose last use is oldest. A prefetched expert
 * counts as used when it arrives, so a fresh prediction is not the first thing thrown out.
 */
public final class LruPolicy implements CachePolicy {
    private final long[][] lastUse; // (layer, expert) tick of the last use or insert
    private long tick;

    public LruPolicy(int layers, int experts) {
        this.lastUse = new long[layers][experts];
    }

    @Override
    public String name() {
        return "lru";
    }

    @Override
    public void onUse(int layer, int expert) {
        lastUse[layer][expert] = ++tick;
    }

    @Override
    public void onInsert(int layer, int expert, boolean prefetched) {
        lastUse[layer][expert] = ++tick;
    }

    @Override
    public void onEvict(int layer, int expert) {
    }

    @Override
    public int victim(int layer, int[] candidates, int count) {
        long[] uses = lastUse[layer];
        int best = candidates[0];
        for (int i = 1; i < count; i++) {
            if (uses[candidates[i]] < uses[best]) {
                best = candidates[i];
            }
        }
        return best;
    }
}
