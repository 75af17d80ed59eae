package dev.klotski.engine.kernel.cpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixed worker threads that split a range into one contiguous chunk per thread. Chunking only decides
 * which thread computes an output, never how it is computed, so results do not depend on the thread count.
 */
final class ThreadPool implements AutoCloseable {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /**
     * How long an idle worker, and a caller waiting for a chunk, poll before they park (-Dklotski.spinMicros).
     * Waking a parked thread took longer than a decode step's products on a 2-vCPU VM: a 32000x128 product split
     * over two threads ran at 0.75x of one thread with parking hand-offs, while two threads working alone ran
     * 1.8x. The products of a forward pass follow each other by microseconds, so the workers stay awake through
     * it and park once the engine is idle.
     */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("klotski.spinMicros", 200));

    private final int threads;
    private final ExecutorService executor;

    ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        int poolId = POOL_IDS.incrementAndGet();
        AtomicInteger workerIds = new AtomicInteger();
        this.executor = threads == 1 ? null : new ThreadPoolExecutor(threads - 1, threads - 1, 0,
                TimeUnit.MILLISECONDS, new SpinningQueue(), r -> {
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
        List<Runnable> others = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            others.add(() -> body.run(from, to));
        }
        runWithWorkers(others, () -> body.run(0, (int) ((long) n / chunks)));
    }

    /**
     * Runs body over [0, n) cut into about {@code perThread} fixed ranges per thread, which the threads claim one
     * at a time: a thread slowed by other load on the machine takes fewer instead of holding the others up. On a
     * shared 2-vCPU VM the even split of a decode step's products left one thread spinning a third of the step.
     * The ranges depend only on n, perThread and the thread count, so results are as repeatable as parallelFor's.
     */
    void parallelForClaimed(int n, int perThread, RangeBody body) {
        int chunks = Math.min(n, threads * perThread);
        if (threads == 1 || chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable claim = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            }
        };
        runWithWorkers(Collections.nCopies(threads - 1, claim), claim);
    }

    /** Hands the tasks to the workers, runs own on the calling thread, and returns once all have ended. */
    private void runWithWorkers(List<Runnable> tasks, Runnable own) {
        List<Future<?>> pending = new ArrayList<>(tasks.size());
        for (Runnable task : tasks) {
            pending.add(executor.submit(task));
        }
        try {
            own.run();
        } finally {
            awaitAll(pending); // even when the caller's own part failed
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
            spinUntilDone(f);
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

    private static void spinUntilDone(Future<?> f) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (!f.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** The workers' task queue: an idle worker polls for {@link #SPIN_NANOS} before it blocks. */
    private static final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
        @Override
        public Runnable take() throws InterruptedException {
            long deadline = System.nanoTime() + SPIN_NANOS;
            do {
                Runnable task = poll();
                if (task != null) {
                    return task;
                }
                if (Thread.interrupted()) { // shutdownNow interrupts idle workers
                    throw new InterruptedException();
                }
                Thread.onSpinWait();
            } while (System.nanoTime() < deadline);
            return super.take();
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
