package dev.klotski.engine.offload;

/** Where a {@link Prefetcher} names the experts it wants loaded, best first. */
@FunctionalInterface
public interface PrefetchSink {

    /** Asks for {@code expert} of {@code layer} ahead of need; a resident or already queued expert is skipped. */
    void prefetch(int layer, int expert);
}
