package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * Learns a {@link RoutingProfile} from routing as it happens: feed it every layer's {@link RoutingEvent} in pass
 * order and tell it when a request ends. A recorded trace and the engine running prompts feed the same code.
 */
public final class ProfileLearner {
    /** Past requests' activation matrices kept in a profile (MoE-Infinity finds about 120 enough). */
    public static final int MATRICES = 128;

    private final RoutingCounts counts;
    private final RoutingHistory history;
    private final ActivationMatrices running;
    private final EamStore matrices;
    private long requests;

    public ProfileLearner(RoutingShape shape) {
        this.counts = new RoutingCounts(shape);
        this.history = new RoutingHistory(shape);
        this.running = new ActivationMatrices(shape);
        this.matrices = new EamStore(MATRICES);
    }

    public void observe(RoutingEvent event) {
        counts.count(event, history, 1);
        running.observe(event);
        history.advance(event);
    }

    public void requestEnded(long requestId) {
        float[][] m = running.end(requestId);
        history.requestEnded(requestId);
        if (m != null) {
            matrices.add(m);
            requests++;
        }
    }

    /** The profile so far; {@code source} says where the routing came from. */
    public RoutingProfile profile(String source) {
        return new RoutingProfile(counts.copy(), matrices.entries(), requests, source, null);
    }
}
