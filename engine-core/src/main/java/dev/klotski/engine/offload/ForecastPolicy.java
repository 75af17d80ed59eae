package dev.klotski.engine.offload;

/**
 * Evicts the expert a prefetcher's {@link ExpertForecast} thinks least worth keeping (ties to the least recently
 * used), and declines a prefetch that would evict something worth more than the guess: the prefetcher then
 * loads only what the cache can keep.
 */
public final class ForecastPolicy extends ScoredPolicy {
    private final ExpertForecast forecast;

    public ForecastPolicy(RoutingShape shape, ExpertForecast forecast) {
        super(shape.layers(), shape.experts());
        this.forecast = forecast;
    }

    @Override
    public String name() {
        return "forecast";
    }

    @Override
    protected double score(int layer, int expert) {
        return forecast.worth(layer, expert);
    }

    @Override
    public boolean evictsForPrefetch(int layer, int expert, int victim) {
        return forecast.worth(layer, expert) > forecast.worth(layer, victim);
    }
}
