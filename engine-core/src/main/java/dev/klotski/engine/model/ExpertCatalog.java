package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.Router;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Stream;

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

    /** Every routed expert, layer by layer. */
    public Stream<StoredExpert> all() {
        return Arrays.stream(experts).filter(Objects::nonNull).flatMap(Arrays::stream);
    }

    /** Bytes of the largest expert: the size of one slot in a tier. */
    public long expertBytes() {
        return all().mapToLong(StoredExpert::heldBytes).max().orElse(0);
    }

    /** Bytes of all routed experts together. */
    public long totalBytes() {
        return all().mapToLong(StoredExpert::heldBytes).sum();
    }
}
