package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several threads share one engine: each gets what it would get alone, and the metrics add up. */
class EngineConcurrencyTest {
    private static final int ROUNDS = 3;

    private static final List<GenerationRequest> A = List.of(
            GenerationRequest.ofText("The quick brown fox", new SamplingParams(8, 0f, 0, 1f, 0, List.of(), 3)),
            GenerationRequest.ofText("Hi", new SamplingParams(5, 0.8f, 0, 1f, 11, List.of(), 0)),
            GenerationRequest.ofText("def add(a, b):", new SamplingParams(6, 0f, 0, 1f, 0, List.of(), 0)));
    private static final List<GenerationRequest> B = List.of(
            GenerationRequest.ofText("Once upon a time", new SamplingParams(7, 1.1f, 40, 0.9f, 5, List.of(), 2)),
            GenerationRequest.ofText("1 2 3 4", new SamplingParams(4, 0f, 0, 1f, 0, List.of(), 0)));

    private static void assertSameResults(List<GenerationResult> expected, List<GenerationResult> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).promptIds(), actual.get(i).promptIds(), where + " request " + i);
            assertArrayEquals(expected.get(i).outputIds(), actual.get(i).outputIds(), where + " request " + i);
            assertEquals(expected.get(i).topLogprobs(), actual.get(i).topLogprobs(), where + " request " + i);
            assertEquals(expected.get(i).text(), actual.get(i).text(), where + " request " + i);
        }
    }

    private static long tokens(List<GenerationResult> results, boolean prompt) {
        return results.stream().mapToLong(r -> prompt ? r.promptIds().length : r.outputIds().length).sum();
    }

    @Test
    void concurrentCallsMatchSequentialOnesAndAreCounted() throws Exception {
        try (KlotskiEngine engine = KlotskiEngine.open(
                EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(true).optThreads(2).build())) {
            EngineMetrics fresh = engine.metrics();
            assertEquals(0, fresh.generateCalls());
            assertEquals(0, fresh.requests());
            assertEquals(0, fresh.largestBatch());

            List<GenerationResult> a = engine.generate(A);
            List<GenerationResult> b = engine.generate(B);

            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<List<GenerationResult>>>> futures = new ArrayList<>();
                for (List<GenerationRequest> requests : List.of(A, B)) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        List<List<GenerationResult>> out = new ArrayList<>();
                        for (int round = 0; round < ROUNDS; round++) {
                            out.add(engine.generate(requests));
                        }
                        return out;
                    }));
                }
                start.countDown();
                List<List<GenerationResult>> fromA = futures.get(0).get(60, TimeUnit.SECONDS);
                List<List<GenerationResult>> fromB = futures.get(1).get(60, TimeUnit.SECONDS);
                for (int round = 0; round < ROUNDS; round++) {
                    assertSameResults(a, fromA.get(round), "thread A round " + round);
                    assertSameResults(b, fromB.get(round), "thread B round " + round);
                }
            } finally {
                pool.shutdownNow();
            }

            EngineMetrics m = engine.metrics();
            int calls = 2 + 2 * ROUNDS;
            assertEquals(calls, m.generateCalls());
            assertEquals((long) (1 + ROUNDS) * (A.size() + B.size()), m.requests());
            assertEquals(3, m.largestBatch());
            assertEquals((1 + ROUNDS) * (tokens(a, true) + tokens(b, true)), m.promptTokens());
            assertEquals((1 + ROUNDS) * (tokens(a, false) + tokens(b, false)), m.generatedTokens());
            assertTrue(m.generateNanos() > 0);
            assertTrue(m.expertLookups() > 0, "the MoE layers looked experts up");
            assertEquals(1.0, m.expertHitRate(), "everything is resident on the CPU");

            engine.generate(List.of()); // an empty batch is a call with no requests
            assertEquals(calls + 1, engine.metrics().generateCalls());
            assertEquals(m.requests(), engine.metrics().requests());
        }
    }
}
