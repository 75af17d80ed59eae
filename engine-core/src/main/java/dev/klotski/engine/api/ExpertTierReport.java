package dev.klotski.engine.api;

import dev.klotski.engine.offload.TierReport;
import java.util.List;

/**
 * What the offloaded experts' compute tier did since the engine opened, overall and per MoE layer.
 *
 * @param policy          the cache policy in use
 * @param prefetch        the prefetcher in use
 * @param budgetBytes     the device budget in bytes
 * @param capacityBytes   bytes of expert slots held (never above the budget)
 * @param peakBytes       most slot bytes in use at once
 * @param layers          per MoE layer
 * @param hostCapacityBytes bytes of the host tier (0 without one)
 * @param hostLookups     loads that looked in the host tier first
 * @param hostHits        of those, served from it instead of storage
 * @param hostBytesCopied bytes copied from the host tier
 */
public record ExpertTierReport(String policy, String prefetch, long budgetBytes, long capacityBytes, long peakBytes,
                               List<Layer> layers, long hostCapacityBytes, long hostLookups, long hostHits,
                               long hostBytesCopied) {

    /** One MoE layer's figures. */
    public record Layer(int layer, int slots, long lookups, long hits, long demandLoads, long prefetchLoads,
                        long bytesRead, long evictions, long predicted, long predictedUsed,
                        long predictable) {

        public double hitRate() {
            return lookups == 0 ? 1.0 : (double) hits / lookups;
        }

        public double prefetchPrecision() {
            return predicted == 0 ? 0 : (double) predictedUsed / predicted;
        }

        public double prefetchRecall() {
            return predictable == 0 ? 0 : (double) predictedUsed / predictable;
        }
    }

    /** Share of all predictions that were then needed. */
    public double prefetchPrecision() {
        long p = layers.stream().mapToLong(Layer::predicted).sum();
        return p == 0 ? 0 : (double) layers.stream().mapToLong(Layer::predictedUsed).sum() / p;
    }

    /** Share of all predictable needs that were predicted. */
    public double prefetchRecall() {
        long n = layers.stream().mapToLong(Layer::predictable).sum();
        return n == 0 ? 0 : (double) layers.stream().mapToLong(Layer::predictedUsed).sum() / n;
    }

    static ExpertTierReport of(TierReport r, String policy, String prefetch) {
        return new ExpertTierReport(policy, prefetch, r.budgetBytes(), r.capacityBytes(), r.peakBytes(),
                r.layers().stream().map(l -> new Layer(l.layer(), l.slots(), l.lookups(), l.hits(), l.demandLoads(),
                        l.prefetchLoads(), l.bytesRead(), l.evictions(), l.predicted(), l.predictedUsed(), l.predictable()))
                        .toList(), r.hostCapacityBytes(), r.hostLookups(), r.hostHits(), r.hostBytesCopied());
    }

    public long lookups() {
        return layers.stream().mapToLong(Layer::lookups).sum();
    }

    public double hitRate() {
        long n = lookups();
        return n == 0 ? 1.0 : (double) layers.stream().mapToLong(Layer::hits).sum() / n;
    }

    public long bytesRead() {
        return layers.stream().mapToLong(Layer::bytesRead).sum();
    }
}
