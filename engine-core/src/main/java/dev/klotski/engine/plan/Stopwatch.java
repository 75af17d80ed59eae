package dev.klotski.engine.plan;

import java.util.function.LongSupplier;

/**
 * Timing of compute. Runs first until the times settle: the JIT compiles a kernel only after many calls (the
 * Vector API is a hundred times slower until then), so warm-up lasts until no run has been 10% faster than the
 * best for {@code warmupMillis} (and at least 3 runs, at most 20 x warmupMillis). Then the fastest of the repeats
 * counts, the one least disturbed by other work on the machine.
 */
final class Stopwatch {
    private static final double BETTER = 0.9;
    private static final int MIN_WARMUP_RUNS = 3;
    private static final int MAX_WARMUP_SPANS = 20;

    private final int repeats;
    private final long warmupNanos;

    Stopwatch(int repeats, long warmupMillis) {
        this.repeats = repeats;
        this.warmupNanos = warmupMillis * 1_000_000;
    }

    /** Seconds of the fastest run of {@code body}, which returns the nanoseconds it counts. */
    double fastest(LongSupplier body) {
        warmUp(body);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            best = Math.min(best, body.getAsLong());
        }
        return best / 1e9;
    }

    /** Runs {@code body} (returning the nanoseconds it counts) until its times settle. */
    void warmUp(LongSupplier body) {
        long start = System.nanoTime();
        long best = Long.MAX_VALUE;
        long settledSince = start;
        int runs = 0;
        while (true) {
            long t = body.getAsLong();
            runs++;
            long now = System.nanoTime();
            if (t < BETTER * best) {
                settledSince = now;
            }
            best = Math.min(best, t);
            boolean settled = now - settledSince >= warmupNanos && runs >= MIN_WARMUP_RUNS;
            if (settled || now - start >= MAX_WARMUP_SPANS * warmupNanos) {
                return;
            }
        }
    }

    /** Nanoseconds a run of {@code body} takes, for {@link #warmUp}. */
    static LongSupplier timed(Runnable body) {
        return () -> {
            long start = System.nanoTime();
            body.run();
            return System.nanoTime() - start;
        };
    }

    /** Seconds of the fastest run of {@code body}. */
    double fastest(Runnable body) {
        return fastest(timed(body));
    }
}
