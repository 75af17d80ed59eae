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
}
