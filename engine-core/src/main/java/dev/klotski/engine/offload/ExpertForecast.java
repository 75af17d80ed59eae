package dev.klotski.engine.offload;

/**
 * A prefetcher's running estimate of how much each expert is worth keeping: the chance that the layer's next
 * routing needs it, plus what it is worth beyond that. The {@code forecast} policy evicts by it, so cache and
 * prefetcher agree on what matters.
 */
public interface ExpertForecast {

    /** Worth of keeping {@code expert} of {@code layer} resident now; higher is keep. */
    double worth(int layer, int expert);
}
