package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * MoE-Infinity's activation-aware cache: evict the expert with the lowest priority
 * {@code (p + eps) * (1 - layer / layers)}, where {@code p} is the share of the running requests' tokens (each
 * request's activation-matrix row normalised, then summed) that the expert served at that layer. Ties go to the
 * least recently used. Slots are shared per layer here, so the layer term orders nothing within a victim choice;
 * it is kept so that {@link #priority} is the paper's figure.
 */
public final class ActivationAwarePolicy extends ScoredPolicy {
    private static final double EPS = 1e-6;

    private final RoutingShape shape;
    private final ActivationMatrices running;

    public ActivationAwarePolicy(RoutingShape shape) {
        super(shape.layers(), shape.experts());
        this.shape = shape;
        this.running = new ActivationMatrices(shape);
    }

    @Override
    public String name() {
        return "activation-aware";
    }

    @Override
    public void observe(RoutingEvent event) {
        running.observe(event);
    }

    @Override
    public void requestEnded(long requestId) {
        running.end(requestId);
    }

    /** The paper's priority of keeping the expert, from the running requests' activation matrices. */
    public double priority(int layer, int expert) {
        double p = 0;
        for (float[][] m : running.running()) {
            float[] row = m[layer];
            double total = 0;
            for (float v : row) {
                total += v;
            }
            p += total == 0 ? 0 : row[expert] / total;
        }
        return (p + EPS) * (1 - (double) layer / shape.layers());
    }

    @Override
    protected double score(int layer, int expert) {
        return priority(layer, expert);
    }
}
