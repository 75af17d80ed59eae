package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * How often routing went which way: each expert's popularity, how often an expert followed another at the
 * previous layer of the same token (co-activation), and how often it followed another at the same layer one
 * token later in the same request (transition). A profile holds one; prefetchers copy it and keep counting
 * online, in memory only.
 */
public final class RoutingCounts {
    private final RoutingShape shape;
    final double[][] popularity;         // (layer, expert) tokens that chose it
    final double[] chosen;               // (layer) sum of the popularity row
    final double[][][] coactivation;     // (layer, expert at layer-1, expert) same token; layer 0 stays 0
    final double[][] coactivationRows;   // (layer, expert at layer-1) row sums
    final double[][][] transitions;      // (layer, expert at the previous token, expert) same request
    final double[][] transitionRows;     // (layer, expert at the previous token) row sums

    public RoutingCounts(RoutingShape shape) {
        int l = shape.layers();
        int e = shape.experts();
        this.shape = shape;
        this.popularity = new double[l][e];
        this.chosen = new double[l];
        this.coactivation = new double[l][e][e];
        this.coactivationRows = new double[l][e];
        this.transitions = new double[l][e][e];
        this.transitionRows = new double[l][e];
    }

    public RoutingShape shape() {
        return shape;
    }

    /** A deep copy, so that online counting never changes the profile it started from. */
    public RoutingCounts copy() {
        RoutingCounts c = new RoutingCounts(shape);
        for (int l = 0; l < shape.layers(); l++) {
            c.chosen[l] = chosen[l];
            System.arraycopy(popularity[l], 0, c.popularity[l], 0, shape.experts());
            System.arraycopy(coactivationRows[l], 0, c.coactivationRows[l], 0, shape.experts());
            System.arraycopy(transitionRows[l], 0, c.transitionRows[l], 0, shape.experts());
            for (int a = 0; a < shape.experts(); a++) {
                System.arraycopy(coactivation[l][a], 0, c.coactivation[l][a], 0, shape.experts());
                System.arraycopy(transitions[l][a], 0, c.transitions[l][a], 0, shape.experts());
            }
        }
        return c;
    }

    /** Counts one layer's routing with {@code weight} per token; call before {@code history.advance(event)}. */
    void count(RoutingEvent event, RoutingHistory history, double weight) {
        int layer = event.layer();
        int k = shape.topK();
        boolean adjacent = history.followsPreviousLayer(event);
        for (int r = 0; r < event.rows(); r++) {
            boolean before = history.hasPreviousToken(event, r);
            for (int s = 0; s < k; s++) {
                int e = event.expert(r, s);
                popularity[layer][e] += weight;
                chosen[layer] += weight;
                for (int j = 0; j < k; j++) {
                    if (adjacent) {
                        add(coactivation[layer], coactivationRows[layer], history.previousLayer(r, j), e, weight);
                    }
                    if (before) {
                        add(transitions[layer], transitionRows[layer], history.previousToken(event, r, j), e, weight);
                    }
                }
            }
        }
    }

    private static void add(double[][] table, double[] rows, int from, int to, double weight) {
        table[from][to] += weight;
        rows[from] += weight;
    }

    /** Share of the layer's choices that went to {@code expert} (0 before any count). */
    public double popularity(int layer, int expert) {
        return chosen[layer] == 0 ? 0 : popularity[layer][expert] / chosen[layer];
    }

    /** P(expert chosen at layer | {@code from} chosen at layer-1 by the same token), as a share of from's row. */
    public double afterLayer(int layer, int from, int expert) {
        double row = coactivationRows[layer][from];
        return row == 0 ? 0 : coactivation[layer][from][expert] / row;
    }

    /** P(expert chosen at layer | {@code from} chosen there by the request's previous token), as a row share. */
    public double afterToken(int layer, int from, int expert) {
        double row = transitionRows[layer][from];
        return row == 0 ? 0 : transitions[layer][from][expert] / row;
    }

    public double tokens(int layer) {
        return chosen[layer] / shape.topK();
    }
}
