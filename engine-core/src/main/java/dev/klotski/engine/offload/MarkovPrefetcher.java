package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.Arrays;

/**
 * Correlation prefetch that also conditions on the previous token: a layer's experts are predicted from the same
 * token's choices at the layer before (co-activation) and from the same request's previous token at that layer
 * (transition), the two first-order chains combined naive-Bayes style and turned into chances. It prefetches only
 * experts at least {@link #THRESHOLD} likely, and as an {@link ExpertForecast} tells the {@code forecast} policy
 * what each resident expert is worth, so a guess never displaces something likelier. Counts start from a profile
 * and keep learning online, weighing recent routing more (in memory, never written back).
 *
 * <p>The constants were chosen on the gpt-oss-20b trace with a profile of requests 238 on, judged on requests
 * 101 to 237 (see docs/benchmarks.md), not on the tokens the figures are reported for.
 */
public final class MarkovPrefetcher implements Prefetcher, ExpertForecast {
    /** An observed token counts as this many profile tokens: routing drifts, recent counts matter more. */
    static final double ONLINE_WEIGHT = 30;
    /** Exponent on the previous layer's evidence (below 1: its experts' votes are correlated). */
    static final double LAYER_WEIGHT = 0.7;
    /** Exponent on the previous token's evidence. */
    static final double TOKEN_WEIGHT = 0.5;
    /** Softmax temperature on log-odds scores: naive Bayes is overconfident, this flattens it. */
    static final double SHARPNESS = 0.5;
    /** Prefetch experts at least this likely to be needed by the next layer of the pass. */
    static final double THRESHOLD = 0.4;
    /** Weight of the layer's recent use of an expert (decayed per routing) in its worth beyond the next routing. */
    static final double FREQUENCY_WEIGHT = 1;
    static final double FREQUENCY_DECAY = 0.95;
    private static final double EPS = 1e-3;

    private final RoutingShape shape;
    private final RoutingCounts counts;
    private final RoutingHistory history;
    private final boolean[] pending;    // (layer) next[layer] forecasts a routing of the current pass
    private final double[][] next;      // (layer, expert) chance the layer's next routing needs it
    private final double[][] later;     // (layer, expert) worth after that: next-token chance plus recent use
    private final double[][] frequency; // (layer, expert) decayed share of routings that used it
    private final double[] logPrior;    // (experts) scratch: log popularity at the target layer
    private final double[] row;         // (experts) scratch: one token's chances
    private final double[] none;        // (experts) scratch: chance no token of the pass needs it
    private final boolean[] used;       // (experts) scratch
    private final Integer[] order;      // (experts) scratch: experts by falling chance

    /** Starts from {@code profile}'s counts, or from none when it is null. */
    public MarkovPrefetcher(RoutingShape shape, RoutingProfile profile) {
        int l = shape.layers();
        int e = shape.experts();
        this.shape = shape;
        this.counts = profile == null ? new RoutingCounts(shape) : profile.requireShape(shape).counts().copy();
        this.history = new RoutingHistory(shape);
        this.pending = new boolean[l];
        this.next = new double[l][e];
        this.later = new double[l][e];
        this.frequency = new double[l][e];
        this.logPrior = new double[e];
        this.row = new double[e];
        this.none = new double[e];
        this.used = new boolean[e];
        this.order = new Integer[e];
    }

    @Override
    public String name() {
        return "markov";
    }

    @Override
    public double worth(int layer, int expert) {
        return (pending[layer] ? next[layer][expert] : 0) + later[layer][expert];
    }

    @Override
    public void predict(RoutingEvent event, PrefetchSink sink) {
        int layer = event.layer();
        forecastNextToken(event);
        pending[layer] = false;
        if (layer + 1 < shape.layers()) {
            forecastNextLayer(event, layer + 1);
            pending[layer + 1] = true;
            double[] chance = next[layer + 1];
            for (int e = 0; e < order.length; e++) {
                order[e] = e;
            }
            Arrays.sort(order, (a, b) -> Double.compare(chance[b], chance[a]));
            for (int e : order) {
                if (chance[e] < THRESHOLD) {
                    break;
                }
                sink.prefetch(layer + 1, e);
            }
        }
        counts.count(event, history, ONLINE_WEIGHT);
        history.advance(event);
    }

    @Override
    public void requestEnded(long requestId) {
        history.requestEnded(requestId);
    }

    /** later[layer]: what this routing says about the layer's next one (the next token), plus recent use. */
    private void forecastNextToken(RoutingEvent event) {
        int layer = event.layer();
        prior(layer);
        Arrays.fill(none, 1);
        Arrays.fill(used, false);
        for (int r = 0; r < event.rows(); r++) {
            for (int e = 0; e < row.length; e++) {
                double v = logPrior[e];
                for (int s = 0; s < event.topK(); s++) {
                    used[event.expert(r, s)] = true;
                    v += logRatio(counts.afterToken(layer, event.expert(r, s), e), e);
                }
                row[e] = v;
            }
            accumulate();
        }
        for (int e = 0; e < row.length; e++) {
            frequency[layer][e] = frequency[layer][e] * FREQUENCY_DECAY + (used[e] ? 1 - FREQUENCY_DECAY : 0);
            later[layer][e] = 1 - none[e] + FREQUENCY_WEIGHT * frequency[layer][e];
        }
    }

    /** next[target]: chances that the pass's tokens need each expert at the next layer. */
    private void forecastNextLayer(RoutingEvent event, int target) {
        prior(target);
        Arrays.fill(none, 1);
        for (int r = 0; r < event.rows(); r++) {
            long request = event.requestId(r);
            boolean firstRow = r == 0 || event.requestId(r - 1) != request;
            int[] before = firstRow && history.tokensAt(request, target) == history.tokensAt(request, event.layer())
                    ? history.latest(request, target) : null; // the request's previous token at the target layer
            for (int e = 0; e < row.length; e++) {
                double v = logPrior[e];
                for (int s = 0; s < event.topK(); s++) {
                    v += LAYER_WEIGHT * logRatio(counts.afterLayer(target, event.expert(r, s), e), e);
                    if (before != null) {
                        v += TOKEN_WEIGHT * logRatio(counts.afterToken(target, before[s], e), e);
                    }
                }
                row[e] = v;
            }
            accumulate();
        }
        for (int e = 0; e < row.length; e++) {
            next[target][e] = 1 - none[e];
        }
    }

    private void prior(int layer) {
        for (int e = 0; e < logPrior.length; e++) {
            logPrior[e] = Math.log(counts.popularity(layer, e) + EPS);
        }
    }

    /** log P(e | evidence) / P(e), smoothed. */
    private double logRatio(double conditional, int e) {
        return Math.log(conditional + EPS) - logPrior[e];
    }

    /** Turns one token's scores in {@code row} into chances (top-k of them in all) and folds them into {@code none}. */
    private void accumulate() {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int e = 0; e < row.length; e++) {
            row[e] = Math.exp(SHARPNESS * (row[e] - max));
            sum += row[e];
        }
        for (int e = 0; e < row.length; e++) {
            none[e] *= 1 - Math.min(1, shape.topK() * row[e] / sum);
        }
    }
}
