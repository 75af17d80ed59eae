package dev.klotski.engine.offload;

/** Running per-layer totals of a tier; guarded by the tier's lock. */
final class LayerCounts {
    final long[] lookups;       // (layer)
    final long[] hits;
    final long[] demandLoads;
    final long[] prefetchLoads;
    final long[] bytesRead;
    final long[] evictions;

    LayerCounts(int layers) {
        lookups = new long[layers];
        hits = new long[layers];
        demandLoads = new long[layers];
        prefetchLoads = new long[layers];
        bytesRead = new long[layers];
        evictions = new long[layers];
    }
}
