package dev.klotski.engine.offload;

import java.util.List;

/**
 * A compute tier's figures since the engine opened, per MoE layer and in all.
 *
 * @param capacityBytes   bytes of expert slots the tier holds (allocated once, within the budget)
 * @param budgetBytes     the budget those slots were sized from
 * @param peakBytes       most bytes of slots in use at once
 * @param slotBytes       bytes of one slot (one expert)
 * @param layers          one row per MoE layer
 * @param hostCapacityBytes bytes of the host tier's slots (0 without one)
 * @param hostLookups     compute-tier loads that looked in the host tier
 * @param hostHits        of those, found there (a memory copy instead of a storage read)
 * @param hostBytesCopied bytes copied from the host tier
 */
public record TierReport(long capacityBytes, long budgetBytes, long peakBytes, long slotBytes, List<Layer> layers,
                         long hostCapacityBytes, long hostLookups, long hostHits, long hostBytesCopied) {

    /**
     * @param slots               slots this layer owns
     * @param lookups             experts its passes needed
     * @param hits                of those, resident when asked for
     * @param demandLoads         loads because a pass needed the expert
     * @param prefetchLoads       loads ahead of need
     * @param bytesRead           bytes its loads read
     * @param evictions           experts evicted to make room
     * @param predicted           distinct experts predicted for this layer
     * @param predictedUsed       of those, how many it then needed (precision = predictedUsed / predicted)
     * @param predictable         experts it needed where a prediction was possible (recall = predictedUsed / this)
     */
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

    public long lookups() {
        return layers.stream().mapToLong(Layer::lookups).sum();
    }

    public long hits() {
        return layers.stream().mapToLong(Layer::hits).sum();
    }

    public double hitRate() {
        long n = lookups();
        return n == 0 ? 1.0 : (double) hits() / n;
    }

    public long bytesRead() {
        return layers.stream().mapToLong(Layer::bytesRead).sum();
    }

    public long evictions() {
        return layers.stream().mapToLong(Layer::evictions).sum();
    }
}
