package dev.klotski.engine.offload.replay;

/** What one layer's cache did over a replay. */
public record LayerFigures(
        int slots,               // cache slots of the layer
        long lookups,            // experts needed (distinct per step)
        long hits,               // of those, resident when the layer ran
        long demandLoads,        // misses
        long prefetchLoads,      // loads ahead of need
        long usefulPrefetches,   // prefetch loads the same step then needed at this layer
        long evictions,
        double precision,        // prefetch predictions for this layer that it then needed
        double recall,           // needed experts that were predicted (0 for the first layer)
        long beladyHits) {       // hits of the optimal demand cache with the same slots

    public double hitRate() {
        return ratio(hits, lookups);
    }

    public double beladyHitRate() {
        return ratio(beladyHits, lookups);
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }
}
