package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A generate call stops at the next forward pass once it is cancelled or its thread interrupted, a waiting call
 * gives up at once, and close() lets the running call finish and refuses the rest. Tests hold the engine with
 * a Cancellation that blocks (the generator polls it before every forward pass), so nothing depends on timing.
 */
class EngineCancellationTest {
    private static final List<GenerationRequest> LONG = List.of(
            GenerationRequest.ofText("Once upon a time", new SamplingParams(400, 0f, 0, 1f, 0, List.of(), 0)),
            GenerationRequest.ofText("The quick brown fox", new SamplingParams(400, 0.9f, 0, 1f, 7, List.of(), 0)));
    private static final List<GenerationRequest> SHORT = List.of(
            GenerationRequest.ofText("Hello", new SamplingParams(6, 0f, 0, 1f, 0, List.of(), 0)));
    private KlotskiEngine engine;

    @BeforeEach
    void open() {
        engine = KlotskiEngine.open(EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(true).optThreads(2)
                .build());
    }

    @AfterEach
    void close() {
        engine.close();
    }

    /** Counts the generator's polls; from poll {@code at} on, runs {@code action} once and answers {@code answer}. */
    private static final class Polls implements Cancellation {
        final AtomicInteger count = new AtomicInteger();
        private final int at;
        private final Runnable action;
        private volatile boolean answer;

        Polls(int at, Runnable action) {
            this.at = at;
            this.action = action;
        }

        @Override
        public boolean requested() {
            if (count.incrementAndGet() == at) {
                action.run();
            }
            return answer;
        }
    }

    private static String text(RequestOutcome o) {
        return ((RequestOutcome.Generated) o).result().text();
    }

    @Test
    void aCancelStopsTheCallAtTheNextForwardPassAndTheEngineStaysUsable() {
        String before = engine.generate(SHORT).get(0).text();
        long[] cancelledAt = new long[1];
        Polls[] holder = new Polls[1];
        Polls polls = new Polls(50, () -> {
            cancelledAt[0] = System.nanoTime();
            holder[0].answer = true;
        });
        holder[0] = polls;
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                () -> engine.generateEach(LONG, polls));
        long stoppedMs = (System.nanoTime() - cancelledAt[0]) / 1_000_000;
        assertEquals(50, polls.count.get(), "stopped at the first pass after the cancel, not later");
        assertTrue(e.getMessage().contains("cancelled") && e.getMessage().contains("free for the next call"),
                e.getMessage());
        System.out.printf("engine: cancel to generate throwing: %d ms%n", stoppedMs);
        assertTrue(stoppedMs < 1000, "took " + stoppedMs + " ms");
        assertEquals(before, engine.generate(SHORT).get(0).text(), "the next call sees an intact engine");
    }

    @Test
    void anInterruptStopsTheCallAndStaysSetForTheCaller() {
        Thread caller = Thread.currentThread();
        Polls polls = new Polls(50, caller::interrupt);
        try {
            assertThrows(GenerationCancelledException.class, () -> engine.generateEach(LONG, polls));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is not swallowed");
        } finally {
            Thread.interrupted();
        }
        assertTrue(polls.count.get() <= 51, "ran " + polls.count.get() + " passes");
        assertThrows(GenerationCancelledException.class, () -> {
            Thread.currentThread().interrupt();
            try {
                engine.generate(SHORT);
            } finally {
                Thread.interrupted();
            }
        }, "generate (the exception API) honours interrupts too");
        assertFalse(engine.generate(SHORT).get(0).text().isEmpty());
    }

    /** Starts a call on another thread, held inside its first forward-pass poll until {@code release} opens. */
    private CompletableFuture<List<RequestOutcome>> holdEngine(CountDownLatch running, CountDownLatch release) {
        Polls hold = new Polls(1, () -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return CompletableFuture.supplyAsync(() -> engine.generateEach(SHORT, hold));
    }

    /** Starts a call on another thread and returns once it is waiting for the engine (polling its Cancellation). */
    private CompletableFuture<List<RequestOutcome>> waitingCall(Polls polls) throws InterruptedException {
        CompletableFuture<List<RequestOutcome>> f = CompletableFuture.supplyAsync(() -> engine.generateEach(SHORT, polls));
        while (polls.count.get() == 0) {
            Thread.sleep(5);
        }
        return f;
    }

    @Test
    void aWaitingCallGivesUpWhenCancelledWhileTheRunningOneGoesOn() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<RequestOutcome>> first = holdEngine(running, release);
        assertTrue(running.await(30, TimeUnit.SECONDS));
        Polls waiting = new Polls(Integer.MAX_VALUE, () -> { });
        CompletableFuture<List<RequestOutcome>> second = waitingCall(waiting);
        long t0 = System.nanoTime();
        waiting.answer = true;
        ExecutionException e = assertThrows(ExecutionException.class, () -> second.get(5, TimeUnit.SECONDS));
        assertInstanceOf(GenerationCancelledException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("while waiting for the engine"), e.getCause().getMessage());
        System.out.printf("engine: cancel to a waiting call giving up: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertFalse(first.isDone(), "the running call is untouched");
        release.countDown();
        assertFalse(text(first.get(30, TimeUnit.SECONDS).get(0)).isEmpty());
    }

    @Test
    void closeWaitsForTheRunningCallThenRefusesTheRest() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<RequestOutcome>> first = holdEngine(running, release);
        assertTrue(running.await(30, TimeUnit.SECONDS));
        CompletableFuture<List<RequestOutcome>> queued = waitingCall(new Polls(Integer.MAX_VALUE, () -> { }));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(engine::close);
        assertThrows(TimeoutException.class, () -> closing.get(300, TimeUnit.MILLISECONDS),
                "close returned while a call was running on the engine");
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> engine.generate(SHORT));
        assertTrue(late.getMessage().contains("engine is closed"), late.getMessage());

        release.countDown();
        assertFalse(text(first.get(30, TimeUnit.SECONDS).get(0)).isEmpty(), "the running call completes");
        closing.get(30, TimeUnit.SECONDS);
        ExecutionException refused = assertThrows(ExecutionException.class, () -> queued.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, refused.getCause(), "a waiting call never runs on a closed engine");
        assertThrows(IllegalStateException.class, () -> engine.generateEach(SHORT));
        engine.close(); // twice is harmless
    }

    @Test
    void aCancelledCallWaitingBehindAnotherLeavesTheQueueInOrder() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<RequestOutcome>> first = holdEngine(running, release);
        assertTrue(running.await(30, TimeUnit.SECONDS));
        Polls giveUp = new Polls(Integer.MAX_VALUE, () -> { });
        CompletableFuture<List<RequestOutcome>> cancelled = waitingCall(giveUp);
        CompletableFuture<List<RequestOutcome>> third = waitingCall(new Polls(Integer.MAX_VALUE, () -> { }));
        giveUp.answer = true;
        ExecutionException e = assertThrows(ExecutionException.class, () -> cancelled.get(5, TimeUnit.SECONDS));
        assertInstanceOf(GenerationCancelledException.class, e.getCause());
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertFalse(text(third.get(30, TimeUnit.SECONDS).get(0)).isEmpty(), "the call behind the cancelled one runs");
    }
}
