package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
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

    /** Claimed ranges cover [0, n) once each, in ranges fixed by n, the ranges per thread and the thread count. */
    @Test
    void claimedRangesCoverEveryIndexOnce() {
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int n : new int[] {0, 1, 2, 11, 100}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Set<String> ranges = ConcurrentHashMap.newKeySet();
                pool.parallelForClaimed(n, 4, (from, to) -> {
                    ranges.add(from + "-" + to);
                    for (int i = from; i < to; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "index " + i + " of " + n);
                }
                assertEquals(Math.min(n, 12), ranges.size(), "ranges of " + n);
            }
        }
    }

    @Test
    void aFailedClaimedRangeIsRethrownAfterTheOthersEnd() {
        AtomicInteger finished = new AtomicInteger();
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> pool.parallelForClaimed(8, 2, (from, to) -> {
                        if (from == 0) {
                            throw new IllegalStateException("range failed");
                        }
                        sleep(20);
                        finished.incrementAndGet();
                    }));
            assertEquals("range failed", e.getMessage());
            assertTrue(finished.get() >= 1, "no other range ran");
        }
    }
}
