package dev.klotski.engine.model.layers;

import dev.klotski.engine.tensor.WeightFormat;
import java.util.Map;

/**
 * Where MoE layers get routed experts from: every expert resident in memory, or an offloading cache that loads
 * experts from slower tiers on demand and ahead of time. The MoE layer asks for a layer's experts at once
 * ({@link #request}, non-blocking, most wanted first), computes those that are resident while the rest load
 * ({@link #tryLease}, {@link #awaitArrival}), and holds a lease on each expert while it computes, so the cache
 * never evicts weights in use. After routing it reports what it saw ({@link #routed}), which is how prefetchers
 * and activation-aware policies learn.
 *
 * <p>Implementations must be safe for concurrent callers.
 */
public interface ExpertSource extends AutoCloseable {

    /**
     * Asks for {@code experts[0..count)} of {@code layer}, most wanted first, and returns at once: experts not
     * resident start loading in that order. Each requested expert stays protected from eviction until a lease on
     * it is closed, so every request must be followed by one {@link #tryLease} per expert. Hits (resident now)
     * and loads are counted in {@code counters}.
     */
    void request(int layer, int[] experts, int count, ExpertCounters counters);

    /**
     * Ends a request's protection of an expert without leasing it (a pass that stops early, say on an error,
     * releases what it did not lease).
     */
    void release(int layer, int expert);

    /** Whether the expert's weights are resident now (a lease on it would not wait). */
    boolean isResident(int layer, int expert);

    /**
     * A lease on a requested expert if it is resident now, else null. The weights stay valid until the lease is
     * closed; closing it ends the request's protection.
     */
    ExpertLease tryLease(int layer, int expert);

    /** How many loads have completed so far: pass it to {@link #awaitArrival} to wait for the next one. */
    long arrivals();

    /**
     * Blocks until more than {@code seen} loads have completed (or a load failed, which throws), returning the
     * new count. A resident source never needs it and returns at once.
     */
    long awaitArrival(long seen) throws InterruptedException;

    /** Bytes of expert weights held in memory now, by format (a tier's slots count whether filled or not). */
    Map<WeightFormat, Long> heldBytesByFormat();

    /**
     * Layer {@code event.layer()} has routed its tokens: the source's own observers (prefetchers, policies) see
     * it here, and so do the listeners added with {@link #addListener}.
     */
    void routed(RoutingEvent event);

    /** A request (sequence) has finished: per-request statistics may be folded and dropped. */
    void requestEnded(long requestId);

    /** Lets {@code listener} see every routing and request end from now on. */
    void addListener(RoutingListener listener);

    void removeListener(RoutingListener listener);

    /**
     * Whether passes of several engines may use this source at the same time. An offloading cache may not: two
     * passes each holding requested experts could fill every slot and wait on each other, so engines sharing it
     * take turns pass by pass.
     */
    default boolean servesConcurrentPasses() {
        return false;
    }

    /** Records loads in {@code tracer}, one track per reader; a resident source loads nothing. */
    default void trace(dev.klotski.engine.util.Tracer tracer) {
    }

    @Override
    default void close() {
    }
}
