package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * What relates one routing to those before it: the previous layer's choices in the same pass (row by row), and
 * each running request's latest choices at every layer. Prefetchers and the profile learner read it before a
 * layer's event is folded in with {@link #advance}. Event objects are reused by the engine, so it copies.
 */
final class RoutingHistory {
    private final RoutingShape shape;
    private final Map<Long, int[][]> latest = new HashMap<>(); // request -> (layer, topK) its latest token's choices
    private final Map<Long, int[]> tokens = new HashMap<>();   // request -> (layer) tokens routed so far
    private int prevLayer = -1;
    private int prevRows;
    private int[] prevIds = new int[0];                        // (prevRows * topK) the previous event's choices

    RoutingHistory(RoutingShape shape) {
        this.shape = shape;
    }

    /** Whether {@code event} continues the pass of the previous event at the layer right before it. */
    boolean followsPreviousLayer(RoutingEvent event) {
        return event.layer() > 0 && event.layer() == prevLayer + 1 && event.rows() == prevRows;
    }

    /** Choice {@code slot} of row {@code row} at the previous layer of this pass (see {@link #followsPreviousLayer}). */
    int previousLayer(int row, int slot) {
        return prevIds[row * shape.topK() + slot];
    }

    /**
     * Whether the token of {@code row} has a previous token of its request routed at the event's layer: the row
     * before it in the same event (prefill rows of a request are contiguous) or the request's latest token.
     */
    boolean hasPreviousToken(RoutingEvent event, int row) {
        return sameRequestAsRowBefore(event, row) || latest(event.requestId(row), event.layer()) != null;
    }

    /** Choice {@code slot} of that previous token (see {@link #hasPreviousToken}). */
    int previousToken(RoutingEvent event, int row, int slot) {
        return sameRequestAsRowBefore(event, row) ? event.expert(row - 1, slot)
                : latest(event.requestId(row), event.layer())[slot];
    }

    private static boolean sameRequestAsRowBefore(RoutingEvent event, int row) {
        return row > 0 && event.requestId(row - 1) == event.requestId(row);
    }

    /** The request's latest choices at {@code layer} (topK, best first), or null before its first token there. */
    int[] latest(long request, int layer) {
        int[][] m = latest.get(request);
        return m == null || tokensAt(request, layer) == 0 ? null : m[layer];
    }

    /** Tokens of the request routed at {@code layer} so far. */
    int tokensAt(long request, int layer) {
        int[] t = tokens.get(request);
        return t == null ? 0 : t[layer];
    }

    /** Folds the event in: row by row, so the rows of one request (prefill) follow each other. */
    void advance(RoutingEvent event) {
        int k = shape.topK();
        int layer = event.layer();
        for (int r = 0; r < event.rows(); r++) {
            long id = event.requestId(r);
            int[] last = latest.computeIfAbsent(id, x -> new int[shape.layers()][k])[layer];
            for (int s = 0; s < k; s++) {
                last[s] = event.expert(r, s);
            }
            tokens.computeIfAbsent(id, x -> new int[shape.layers()])[layer]++;
        }
        if (prevIds.length < event.rows() * k) {
            prevIds = new int[event.rows() * k];
        }
        for (int r = 0; r < event.rows(); r++) {
            for (int s = 0; s < k; s++) {
                prevIds[r * k + s] = event.expert(r, s);
            }
        }
        prevLayer = layer;
        prevRows = event.rows();
    }

    void requestEnded(long request) {
        latest.remove(request);
        tokens.remove(request);
    }
}
