package dev.klotski.engine.offload;

import java.util.List;
import java.util.function.Supplier;

/** Prefetchers by the name users select them with. */
public final class Prefetchers {
    /** Every name, in the order errors list them. */
    public static final List<String> NAMES = List.of("none", "next-gate", "correlation", "markov", "eam");

    private Prefetchers() {
    }

    /** As {@link #create(String, RoutingShape, RoutingProfile, Supplier)} where no model is at hand (trace replay). */
    public static Prefetcher create(String name, RoutingShape shape, RoutingProfile profile) {
        return create(name, shape, profile, null);
    }

    /**
     * The prefetcher called {@code name}. {@code profile} (may be null) seeds correlation, markov and eam;
     * {@code nextGate} builds next-gate, which needs the model's routers and hidden states: null where there is
     * no model, and next-gate is then refused with the reason.
     */
    public static Prefetcher create(String name, RoutingShape shape, RoutingProfile profile,
                                    Supplier<Prefetcher> nextGate) {
        return switch (name) {
            case "none" -> new NoPrefetch();
            case "correlation" -> new CorrelationPrefetcher(shape, profile);
            case "markov" -> new MarkovPrefetcher(shape, profile);
            case "eam" -> new EamPrefetcher(shape, profile);
            case "next-gate" -> {
                if (nextGate == null) {
                    throw new IllegalArgumentException("prefetcher next-gate applies layer l+1's router to layer l's"
                            + " hidden states, and there are none here (a recorded trace holds only expert ids);"
                            + " choose none, correlation, markov or eam");
                }
                yield nextGate.get();
            }
            default -> throw new IllegalArgumentException("unknown prefetcher '" + name + "'; choose "
                    + String.join(", ", NAMES));
        };
    }
}
