package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.Router;

/**
 * Everything an expert source is built from: the model's shape, where every routed expert is stored, and each
 * MoE layer's router (a prefetcher may apply a later layer's router early).
 *
 * @param experts  (layer, expert) as stored; null rows for dense layers
 * @param routers  (layer) the router; null for dense layers
 */
public record ExpertCatalog(ModelConfig config, StoredExpert[][] experts, Router[] routers) {

    public int layers() {
        return experts.length;
    }

    /** Routed experts per MoE layer. */
    public int expertsPerLayer() {
        return config.experts();
    }

    public int topK() {
        return config.expertsPerToken();
    }

    /** Which layers have experts. */
    public boolean[] moeLayers() {
        boolean[] moe = new boolean[experts.length];
        for (int l = 0; l < experts.length; l++) {
            moe[l] = experts[l] != null;
        }
        return moe;
    }

    public int moeLayerCount() {
        int n = 0;
        for (StoredExpert[] layer : experts) {
            n += layer == null ? 0 : 1;
        }
        return n;
    }

    /** The first layer with experts, or -1. */
    public int firstMoeLayer() {
        for (int l = 0; l < experts.length; l++) {
            if (experts[l] != null) {
                return l;
            }
        }
        return -1;
    }

    /** Bytes of the largest expert: the size of one slot in a tier. */
    public long expertBytes() {
        long max = 0;
        for (StoredExpert[] layer : experts) {
            if (layer != null) {
                for (StoredExpert e : layer) {
                    max = Math.max(max, e.heldBytes());
                }
            }
        }
        return max;
    }

    /** Bytes of all routed experts together. */
    public long totalBytes() {
        long total = 0;
        for (StoredExpert[] layer : experts) {
            if (layer != null) {
                for (StoredExpert e : layer) {
                    total += e.heldBytes();
                }
            }
        }
        return total;
    }
}
