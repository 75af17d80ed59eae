package dev.klotski.engine.offload;

/**
 * Evicts the expert a prefetcher's {@link ExpertForecast} thinks least worth keeping (ties to the least recently
 * used), and declines a prefetch that would evict something worth more than the guess: the prefetcher then
 * loads only what the cache can keep.
 */
public final class ForecastPolicy implements CachePolicy {
    private final ExpertForecast forecast;
    private final LruPolicy lru;
    private final int[] tied; // scratch

    public ForecastPolicy(RoutingShape shape, ExpertForecast forecast) {
        this.forecast = forecast;
        this.lru = new LruPolicy(shape.layers(), shape.experts());
        this.tied = new int[shape.experts()];
    }

    @Override
    public String name() {
        return "forecast";
    }

    @Override
    public void onUse(int layer, int expert) {
        lru.onUse(layer, expert);
    }

    @Override
    public void onInsert(int layer, int expert, boolean prefetched) {
        lru.onInsert(layer, expert, prefetched);
    }

    @Override
    public void onEvict(int layer, int expert) {
    }

    @Override
    public int victim(int layer, int[] candidates, int count) {
        double low = Double.MAX_VALUE;
        int ties = 0;
        for (int i = 0; i < count; i++) {
            double w = forecast.worth(layer, candidates[i]);
            if (w < low) {
                low = w;
                ties = 0;
            }
            if (w == low) {
                tied[ties++] = candidates[i];
            }
        }
        return lru.victim(layer, tied, ties);
    }

    @Override
    public boolean evictsForPrefetch(int layer, int expert, int victim) {
        return forecast.worth(layer, expert) > forecast.worth(layer, victim);
    }
}
