package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** parallelFor returns only when every chunk has ended, so no chunk outlives the kernel that started it. */
class ThreadPoolTest {

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError("a worker chunk was interrupted", e);
        }
    }

    @Test
    void anInterruptWaitsForEveryChunkAndIsKeptForTheCaller() {
        AtomicInteger finished = new AtomicInteger();
        try (ThreadPool pool = new ThreadPool(3)) {
            pool.parallelFor(3, (from, to) -> {
                if (from == 0) {
                    Thread.currentThread().interrupt(); // the caller's own chunk: as if the task were killed now
                } else {
                    sleep(300);
                }
                finished.incrementAndGet();
            });
            assertEquals(3, finished.get(), "returned while worker chunks were still running");
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller to act on");
        }
    }

    @Test
    void aFailedChunkIsRethrownOnlyAfterTheOthersEnd() {
        AtomicInteger finished = new AtomicInteger();
        try (ThreadPool pool = new ThreadPool(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(3, (from, to) -> {
                if (from == 0) {
                    throw new IllegalStateException("chunk failed");
                }
                sleep(300);
                finished.incrementAndGet();
            }));
            assertEquals("chunk failed", e.getMessage());
            assertEquals(2, finished.get(), "threw while worker chunks were still running");
        }
    }

    /** Workers poll for the next chunk before parking; a closed pool's workers still end, spinning or parked. */
    @Test
    void closeEndsTheWorkersWhetherTheySpinOrPark() throws InterruptedException {
        java.util.List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
        ThreadPool pool = new ThreadPool(3);
        for (int round = 0; round < 50; round++) { // back to back: the workers take chunks while still polling
            pool.parallelFor(3, (from, to) -> {
                if (from > 0 && !workers.contains(Thread.currentThread())) {
                    workers.add(Thread.currentThread());
                }
            });
        }
        pool.parallelFor(3, (from, to) -> { });
        Thread.sleep(ThreadPool.SPIN_NANOS / 1_000_000 + 50); // long enough for idle workers to park
        pool.close();
        assertEquals(2, workers.size());
        for (Thread w : workers) {
            w.join(5_000);
            assertTrue(!w.isAlive(), w.getName() + " still runs after close");
        }
    }
}
