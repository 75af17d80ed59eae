package dev.klotski.engine.kernel.cpu;

/**
 * Compute threads that several kernel sets may share (engines of one model with different kernels modes): the
 * machine's cores are split once, not once per engine. Kernels made on shared threads never stop them; the owner
 * does, with {@link #close()}, after the last of those kernels is done.
 */
public final class ComputeThreads implements AutoCloseable {
    private final ThreadPool pool;

    private ComputeThreads(ThreadPool pool) {
        this.pool = pool;
    }

    /** Starts {@code threads - 1} workers (the calling thread is the first). */
    public static ComputeThreads start(int threads) {
        return new ComputeThreads(new ThreadPool(threads));
    }

    public int threads() {
        return pool.threads();
    }

    ThreadPool pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
    }
}
