package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.Arrays;

/**
 * Klotski's correlation-aware prefetcher: co-activation counts between experts of adjacent layers, from a
 * profile and updated online (in memory, never written back). After a layer routes, every token's chosen
 * experts vote for their likeliest successors (each vote is the successor's share of that expert's row), votes
 * are summed over all tokens of the pass, and the next layer's top-k experts are prefetched.
 */
public final class CorrelationPrefetcher implements Prefetcher {
    private final RoutingShape shape;
    private final RoutingCounts counts;
    private final RoutingHistory history;
    private final int count;       // experts prefetched per layer
    private final double[] votes;  // (experts) scratch
    private final boolean[] taken; // (experts) scratch

    /** Starts from {@code profile}'s counts, or from none when it is null. */
    public CorrelationPrefetcher(RoutingShape shape, RoutingProfile profile) {
        this.shape = shape;
        this.counts = profile == null ? new RoutingCounts(shape) : profile.requireShape(shape).counts().copy();
        this.history = new RoutingHistory(shape);
        this.count = shape.topK();
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

    @Override
    public void requestEnded(long requestId) {
        history.requestEnded(requestId);
    }
}
