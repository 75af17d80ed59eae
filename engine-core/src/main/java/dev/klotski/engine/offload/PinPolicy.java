package dev.klotski.engine.offload;

import java.util.Arrays;

/**
 * Pins a profile's hottest experts (Fiddler-style): in each layer, the {@code share} of its slots goes to the
 * experts the profile saw chosen most, which are never evicted once loaded; the other slots are LRU. Pins are
 * chosen when the cache asks for {@link #quotas}, the one moment the policy learns its slots, and leave at least
 * top-k slots unpinned so a token's experts always fit beside them.
 */
public final class PinPolicy extends LruBackedPolicy {
    /**
     * Share of a layer's slots pinned. On the gpt-oss trace (judged on requests 101 to 237) pinning costs hit
     * rate at any share (0.125: 0.630, 0.25: 0.619, 0.5: 0.606; LRU 0.642): routing drifts between requests.
     */
    public static final double SHARE = 0.25;

    private final RoutingShape shape;
    private final RoutingProfile profile;
    private final double share;
    private final boolean[][] pinned; // (layer, expert)
    private final int[] unpinned;     // scratch

    public PinPolicy(RoutingShape shape, RoutingProfile profile, double share) {
        super(shape.layers(), shape.experts());
        this.shape = shape;
        this.profile = profile.requireShape(shape);
        this.share = share;
        this.pinned = new boolean[shape.layers()][shape.experts()];
        this.unpinned = new int[shape.experts()];
    }

    @Override
    public String name() {
        return "pin";
    }

    @Override
    public int[] quotas(int totalSlots, boolean[] moeLayers, int experts, int minPerLayer) {
        int[] quotas = super.quotas(totalSlots, moeLayers, experts, minPerLayer);
        for (int l = 0; l < quotas.length; l++) {
            int pins = Math.min((int) Math.round(share * quotas[l]), Math.max(0, quotas[l] - shape.topK()));
            pin(l, pins);
        }
        return quotas;
    }

    /** Pins the layer's {@code count} most popular experts (ties to the lower index). */
    void pin(int layer, int count) {
        Arrays.fill(pinned[layer], false);
        RoutingCounts c = profile.counts();
        for (int n = 0; n < count; n++) {
            int best = -1;
            for (int e = 0; e < shape.experts(); e++) {
                if (!pinned[layer][e] && (best < 0 || c.popularity(layer, e) > c.popularity(layer, best))) {
                    best = e;
                }
            }
            pinned[layer][best] = true;
        }
    }

    public boolean isPinned(int layer, int expert) {
        return pinned[layer][expert];
    }

    @Override
    public int victim(int layer, int[] candidates, int count) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (!pinned[layer][candidates[i]]) {
                unpinned[n++] = candidates[i];
            }
        }
        // Only pinned experts are evictable when a pass needs more experts than the unpinned slots hold.
        return n > 0 ? lru.victim(layer, unpinned, n) : lru.victim(layer, candidates, count);
    }
}
