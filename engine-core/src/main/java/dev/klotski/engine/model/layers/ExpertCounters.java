package dev.klotski.engine.model.layers;

import java.util.concurrent.atomic.LongAdder;

/**
 * Expert figures of one generate call (or any span the caller chooses): passed down with each forward pass, so
 * the counts are exact however many calls run at once. Updated by compute and I/O threads alike.
 */
public final class ExpertCounters {
    private final LongAdder lookups = new LongAdder();       // experts a pass needed
    private final LongAdder hits = new LongAdder();          // of those, resident when asked for
    private final LongAdder demandLoads = new LongAdder();   // loads started because a pass needed the expert
    private final LongAdder prefetchLoads = new LongAdder(); // loads started ahead of need
    private final LongAdder bytesRead = new LongAdder();     // bytes moved into the compute tier
    private final LongAdder stallNanos = new LongAdder();    // compute time spent waiting for loads
    private final LongAdder evictions = new LongAdder();

    public void lookup(boolean hit) {
        lookups.increment();
        if (hit) {
            hits.increment();
        }
    }

    /** {@code n} lookups that all found their expert resident. */
    public void hits(int n) {
        lookups.add(n);
        hits.add(n);
    }

    public void demandLoad() {
        demandLoads.increment();
    }

    public void prefetchLoad() {
        prefetchLoads.increment();
    }

    public void bytesRead(long bytes) {
        bytesRead.add(bytes);
    }

    public void stalled(long nanos) {
        stallNanos.add(nanos);
    }

    public void evicted() {
        evictions.increment();
    }

    public long lookups() {
        return lookups.sum();
    }

    public long hits() {
        return hits.sum();
    }

    public long demandLoads() {
        return demandLoads.sum();
    }

    public long prefetchLoads() {
        return prefetchLoads.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long stallNanos() {
        return stallNanos.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    /** Share of lookups that found the expert resident (1 when there were none). */
    public double hitRate() {
        long n = lookups();
        return n == 0 ? 1.0 : (double) hits() / n;
    }

    /** Adds another span's figures to these. */
    public void add(ExpertCounters other) {
        lookups.add(other.lookups());
        hits.add(other.hits());
        demandLoads.add(other.demandLoads());
        prefetchLoads.add(other.prefetchLoads());
        bytesRead.add(other.bytesRead());
        stallNanos.add(other.stallNanos());
        evictions.add(other.evictions());
    }

    /** A copy of the figures now. */
    public ExpertCounters snapshot() {
        ExpertCounters copy = new ExpertCounters();
        copy.add(this);
        return copy;
    }

    /** The figures added since {@code earlier}, a snapshot of these counters. */
    public ExpertCounters since(ExpertCounters earlier) {
        ExpertCounters d = snapshot();
        d.lookups.add(-earlier.lookups());
        d.hits.add(-earlier.hits());
        d.demandLoads.add(-earlier.demandLoads());
        d.prefetchLoads.add(-earlier.prefetchLoads());
        d.bytesRead.add(-earlier.bytesRead());
        d.stallNanos.add(-earlier.stallNanos());
        d.evictions.add(-earlier.evictions());
        return d;
    }

    /** {@code weight / total} of each figure, rounded down (the caller gives the remainder to someone). */
    public ExpertCounters share(long weight, long total) {
        ExpertCounters d = new ExpertCounters();
        d.lookups.add(part(lookups(), weight, total));
        d.hits.add(part(hits(), weight, total));
        d.demandLoads.add(part(demandLoads(), weight, total));
        d.prefetchLoads.add(part(prefetchLoads(), weight, total));
        d.bytesRead.add(part(bytesRead(), weight, total));
        d.stallNanos.add(part(stallNanos(), weight, total));
        d.evictions.add(part(evictions(), weight, total));
        return d;
    }

    private static long part(long value, long weight, long total) {
        if (total == 0) {
            return 0;
        }
        try {
            return Math.multiplyExact(value, weight) / total;
        } catch (ArithmeticException overflow) { // byte counts of very long runs
            return (long) ((double) value * weight / total);
        }
    }
}
