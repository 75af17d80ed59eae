package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The expert activation matrix (EAM, MoE-Infinity) of each running request: how many of its tokens each
 * (layer, expert) has served so far. A request's matrix is dropped (and handed back) when it ends.
 */
final class ActivationMatrices {
    private final RoutingShape shape;
    private final Map<Long, float[][]> running = new HashMap<>(); // request -> (layer, expert) tokens

    ActivationMatrices(RoutingShape shape) {
        this.shape = shape;
    }

    void observe(RoutingEvent event) {
        for (int r = 0; r < event.rows(); r++) {
            float[] row = matrix(event.requestId(r))[event.layer()];
            for (int s = 0; s < event.topK(); s++) {
                row[event.expert(r, s)]++;
            }
        }
    }

    /** The request's matrix, created empty if it has none yet. */
    float[][] matrix(long request) {
        return running.computeIfAbsent(request, x -> new float[shape.layers()][shape.experts()]);
    }

    Collection<float[][]> running() {
        return running.values();
    }

    /** Drops a finished request's matrix and returns it (null if it never routed). */
    float[][] end(long request) {
        return running.remove(request);
    }

    /** Cosine similarity of two matrix rows (0 if either is empty). */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** MoE-Infinity's distance over layers {@code 0..upTo}: one minus the mean cosine of the layer rows. */
    static double distance(float[][] a, float[][] b, int upTo) {
        double sum = 0;
        for (int l = 0; l <= upTo; l++) {
            sum += cosine(a[l], b[l]);
        }
        return 1 - sum / (upTo + 1);
    }
}
