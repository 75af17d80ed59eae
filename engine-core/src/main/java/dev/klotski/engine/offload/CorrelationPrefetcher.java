package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.Arrays;

/**
 * Klotski's correlation-aware prefetcher: co-activation counts between experts of adjacent layers, from a
 * profile and updated online (in memory, never written back). After a layer routes, every token's chosen
 * experts vote for their likeliest successors (each vote is the successor's share of that expert's row), votes
 * are summed over all tokens of the pass, and the next layer's likeliest experts are prefetched: top-k for one
 * token, and for a pass of many tokens as many as that many tokens would use under even routing (a group of 64
 * tokens choosing 2 of 8 uses all 8), most votes first. The tier caps how many it takes.
 */
public final class CorrelationPrefetcher implements Prefetcher {
    private final RoutingShape shape;
    private final RoutingCounts counts;
    private final RoutingHistory history;
    private final double[] votes;  // (experts) scratch
    private final boolean[] taken; // (experts) scratch

    /** Starts from {@code profile}'s counts, or from none when it is null. */
    public CorrelationPrefetcher(RoutingShape shape, RoutingProfile profile) {
        this.shape = shape;
        this.counts = profile == null ? new RoutingCounts(shape) : profile.requireShape(shape).counts().copy();
        this.history = new RoutingHistory(shape);
        this.votes = new double[shape.experts()];
        this.taken = new boolean[shape.experts()];
    }

    @Override
    public String name() {
        return "correlation";
    }

    @Override
    public void predict(RoutingEvent event, PrefetchSink sink) {
        int next = event.layer() + 1;
        if (next < shape.layers()) {
            Arrays.fill(votes, 0);
            for (int r = 0; r < event.rows(); r++) {
                for (int s = 0; s < event.topK(); s++) {
                    int from = event.expert(r, s);
                    for (int e = 0; e < votes.length; e++) {
                        votes[e] += counts.afterLayer(next, from, e);
                    }
                }
            }
            Arrays.fill(taken, false);
            int count = expectedDistinct(shape.experts(), shape.topK(), event.rows());
            for (int n = 0; n < count; n++) {
                int best = -1;
                for (int e = 0; e < votes.length; e++) {
                    if (!taken[e] && votes[e] > 0 && (best < 0 || votes[e] > votes[best])) {
                        best = e;
                    }
                }
                if (best < 0) {
                    break;
                }
                taken[best] = true;
                sink.prefetch(next, best);
            }
        }
        counts.count(event, history, 1);
        history.advance(event);
    }

    /** Experts {@code tokens} tokens choosing top-k of {@code experts} use, expected under even routing: k at least. */
    static int expectedDistinct(int experts, int topK, int tokens) {
        double unused = Math.pow(1 - (double) topK / experts, tokens);
        return Math.min(experts, Math.max(topK, (int) Math.ceil(experts * (1 - unused) - 1e-9)));
    }

    @Override
    public void requestEnded(long requestId) {
        history.requestEnded(requestId);
    }
}
