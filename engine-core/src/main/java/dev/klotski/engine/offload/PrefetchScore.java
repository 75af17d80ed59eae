package dev.klotski.engine.offload;

import java.util.Arrays;

/**
 * How good a prefetcher's guesses are, per layer: precision is the share of distinct predicted experts that the
 * layer then needed in the same pass; recall is the share of the experts a layer needed that were predicted
 * for it. Recall counts every MoE layer but the first, which nothing can predict within a pass. Not thread-safe:
 * the compute thread records both sides.
 */
public final class PrefetchScore {
    private final boolean[][] predicted; // (layer, expert) predicted for the layer's next routing
    private final int[] predictedNow;    // (layer) distinct predictions pending
    private final long[] predictions;    // (layer) distinct predictions scored
    private final long[] useful;         // (layer) predictions the layer then needed
    private final long[] needed;         // (layer) experts needed, where the layer is predictable
    private final int firstLayer;

    public PrefetchScore(int layers, int experts, int firstMoeLayer) {
        this.predicted = new boolean[layers][experts];
        this.predictedNow = new int[layers];
        this.predictions = new long[layers];
        this.useful = new long[layers];
        this.needed = new long[layers];
        this.firstLayer = firstMoeLayer;
    }

    /** A prediction for {@code layer}'s next routing; repeats count once. */
    public void predict(int layer, int expert) {
        if (!predicted[layer][expert]) {
            predicted[layer][expert] = true;
            predictedNow[layer]++;
        }
    }

    public boolean isPredicted(int layer, int expert) {
        return predicted[layer][expert];
    }

    /**
     * The layer has routed: {@code experts[0..count)} are the distinct experts it needs. Scores the pending
     * predictions for it and clears them.
     */
    public void routed(int layer, int[] experts, int count) {
        boolean[] p = predicted[layer];
        int hits = 0;
        for (int i = 0; i < count; i++) {
            if (p[experts[i]]) {
                hits++;
            }
        }
        useful[layer] += hits;
        predictions[layer] += predictedNow[layer];
        if (layer != firstLayer) {
            needed[layer] += count;
        }
        Arrays.fill(p, false);
        predictedNow[layer] = 0;
    }

    /** Distinct predictions made for the layer and scored. */
    public long predictions(int layer) {
        return predictions[layer];
    }

    /** Of those, how many the layer then needed. */
    public long useful(int layer) {
        return useful[layer];
    }

    /** Experts the layer needed, where it is predictable (0 for the first MoE layer). */
    public long needed(int layer) {
        return needed[layer];
    }

    public double precision(int layer) {
        return predictions[layer] == 0 ? 0 : (double) useful[layer] / predictions[layer];
    }

    public double recall(int layer) {
        return needed[layer] == 0 ? 0 : (double) useful[layer] / needed[layer];
    }

    /** Over all layers. */
    public double precision() {
        long p = Arrays.stream(predictions).sum();
        return p == 0 ? 0 : (double) Arrays.stream(useful).sum() / p;
    }

    public double recall() {
        long n = Arrays.stream(needed).sum();
        return n == 0 ? 0 : (double) usefulAfterFirst() / n;
    }

    private long usefulAfterFirst() {
        long u = 0;
        for (int l = 0; l < useful.length; l++) {
            u += l == firstLayer ? 0 : useful[l];
        }
        return u;
    }

    public int layers() {
        return predicted.length;
    }
}
