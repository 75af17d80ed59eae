package dev.klotski.engine.offload;

import java.util.List;

/** Cache policies by the name users select them with. */
public final class CachePolicies {
    /** Every name, in the order errors list them. */
    public static final List<String> NAMES = List.of("lru", "lfu", "shallow", "activation-aware", "pin", "forecast");

    private CachePolicies() {
    }

    /**
     * The policy called {@code name}. {@code profile} (may be null) is what pin pins from; {@code prefetcher} is
     * the one running beside it, whose {@link ExpertForecast} the forecast policy evicts by.
     */
    public static CachePolicy create(String name, RoutingShape shape, RoutingProfile profile, Prefetcher prefetcher) {
        return switch (name) {
            case "lru" -> new LruPolicy(shape.layers(), shape.experts());
            case "lfu" -> new LfuPolicy(shape.layers(), shape.experts());
            case "shallow" -> new ShallowPolicy(shape.layers(), shape.experts());
            case "activation-aware" -> new ActivationAwarePolicy(shape);
            case "pin" -> {
                if (profile == null) {
                    throw new IllegalArgumentException("policy pin pins the hottest experts of a routing profile;"
                            + " give one (klotski profile writes it)");
                }
                yield new PinPolicy(shape, profile, PinPolicy.SHARE);
            }
            case "forecast" -> {
                if (!(prefetcher instanceof ExpertForecast f)) {
                    throw new IllegalArgumentException("policy forecast evicts by the prefetcher's forecast, and "
                            + (prefetcher == null ? "there is no prefetcher" : "prefetcher " + prefetcher.name()
                            + " makes none") + "; use it with markov");
                }
                yield new ForecastPolicy(shape, f);
            }
            default -> throw new IllegalArgumentException("unknown cache policy '" + name + "'; choose "
                    + String.join(", ", NAMES));
        };
    }
}
