package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.ArrayList;
import java.util.List;

/** Hand-made routing for tests: events of one pass, one row per request. */
final class Routing {
    private Routing() {
    }

    /** One layer's event: row r belongs to {@code requests[r]} and chose {@code choices[r]} (best first). */
    static RoutingEvent event(int layer, long[] requests, int[]... choices) {
        int k = choices[0].length;
        int[] ids = new int[choices.length * k];
        int[] rowSequence = new int[choices.length];
        for (int r = 0; r < choices.length; r++) {
            System.arraycopy(choices[r], 0, ids, r * k, k);
            rowSequence[r] = r;
        }
        return new RoutingEvent().set(layer, choices.length, k, ids, rowSequence, requests.clone(), null, null,
                new ExpertCounters());
    }

    /** A single-request event. */
    static RoutingEvent event(int layer, long request, int... choice) {
        return event(layer, new long[] {request}, choice);
    }

    /** What a prefetcher named, in order, as "layer:expert". */
    static final class Sink implements PrefetchSink {
        final List<String> named = new ArrayList<>();

        @Override
        public void prefetch(int layer, int expert) {
            named.add(layer + ":" + expert);
        }
    }

    /**
     * Feeds one token of one request (its choices per layer) to a learner, a prefetcher or both, as the engine
     * would: layer by layer. Returns what the prefetcher named after each layer.
     */
    static List<List<String>> token(long request, int[][] perLayer, ProfileLearner learner, Prefetcher prefetcher) {
        List<List<String>> out = new ArrayList<>();
        for (int l = 0; l < perLayer.length; l++) {
            RoutingEvent e = event(l, request, perLayer[l]);
            if (learner != null) {
                learner.observe(e);
            }
            Sink sink = new Sink();
            if (prefetcher != null) {
                prefetcher.predict(e, sink);
            }
            out.add(sink.named);
        }
        return out;
    }
}
