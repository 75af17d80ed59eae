package dev.klotski.engine.util;

/**
 * Where the engine records what each thread did when: a span per layer, per expert computed, per expert loaded,
 * per wait for a load. {@link #NONE} records nothing and costs a field read; callers check {@link #enabled()}
 * before taking times.
 */
public interface Tracer {

    /** Records nothing. */
    Tracer NONE = new Tracer() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void span(String track, String name, long startNanos, long endNanos) {
        }
    };

    boolean enabled();

    /**
     * One span on a track ("compute", "io-0", ...), from {@code startNanos} to {@code endNanos} of
     * {@link System#nanoTime()}; safe from any thread.
     */
    void span(String track, String name, long startNanos, long endNanos);
}
