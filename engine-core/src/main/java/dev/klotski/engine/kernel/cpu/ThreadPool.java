package dev.klotski.engine.kernel.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixed worker threads that split a range into one contiguous chunk per thread. Chunking only decides
 * which thread computes an output, never how it is computed, so results do not depend on the thread count.
 */
final class ThreadPool implements AutoCloseable {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final ExecutorService executor;

    ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        int poolId = POOL_IDS.incrementAndGet();
        AtomicInteger workerIds = new AtomicInteger();
        this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "klotski-cpu-" + poolId + "-" + workerIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs body over [0, n); the calling thread takes the first chunk itself. */
    void parallelFor(int n, RangeBody body) {
        int chunks = Math.min(threads, n);
        if (chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        List<Future<?>> pending = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            pending.add(executor.submit(() -> body.run(from, to)));
        }
        try {
            body.run(0, (int) ((long) n / chunks));
        } finally {
            awaitAll(pending); // even when the caller's own chunk failed
        }
    }

    /**
     * Waits for every chunk, even when the caller is interrupted or one chunk failed: returning early would let
     * the next kernel (or the next engine call) start while a chunk still writes into shared buffers. An
     * interrupt is kept for the caller (the generator checks it between forward passes); the first chunk
     * failure is rethrown once all have ended.
     */
    private static void awaitAll(List<Future<?>> pending) {
        boolean interrupted = false;
        Throwable failure = null;
        for (Future<?> f : pending) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
