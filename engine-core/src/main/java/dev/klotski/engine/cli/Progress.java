package dev.klotski.engine.cli;

import java.io.PrintStream;

/**
 * A one-line progress display on stderr, shown only when stderr is a terminal, so logs, pipes and JSON
 * output stay clean.
 */
final class Progress implements AutoCloseable {
    private final PrintStream err = System.err;
    private final boolean enabled;
    private final String label;
    private long total;
    private long lastPrintNanos;

    Progress(String label, long total, boolean quiet) {
        this.enabled = !quiet && System.console() != null;
        this.label = label;
        this.total = total;
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastPrintNanos < 200_000_000L && done < total) {
            return; // at most five updates a second
        }
        lastPrintNanos = now;
        err.printf("\r%s %3d%%", label, total == 0 ? 100 : Math.min(100, done * 100 / total));
        err.flush();
    }

    /** As {@link #update(long)}, for work whose total is only known once it starts. */
    void update(long done, long newTotal) {
        total = newTotal;
        update(done);
    }

    void message(String text) {
        if (enabled) {
            err.printf("\r%s: %s%n", label, text);
        }
    }

    @Override
    public void close() {
        if (enabled) {
            err.println();
        }
    }
}
