package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.model.layers.RoutingListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The batch loop: calls of any group shape, order and company give the rows a plain one-call run gives (bit for
 * bit with fixed-order kernels), a finished sequence's place goes to a waiting one at once, and calls that
 * overlap in time share forward passes.
 */
class BatchLoopTest {
    private static final MoeModel MODEL = ModelLoader.load(TestModels.qwen3());

    /** Prompts of mixed lengths, greedy and sampled, short and long outputs. */
    private static List<int[]> prompts(int n) {
        List<int[]> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            int length = 1 + (p * 7) % 23;
            int[] ids = new int[length];
            for (int i = 0; i < length; i++) {
                ids[i] = (i * 31 + p * 17 + 5) % 500;
            }
            out.add(ids);
        }
        return out;
    }

    private static List<SamplingSpec> params(int n) {
        List<SamplingSpec> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            out.add(new SamplingSpec(2 + (p * 5) % 13, p % 3 == 0 ? 0f : 0.9f, 0, 1f, 100 + p, List.of(), 3));
        }
        return out;
    }

    private static void assertSameRows(List<Outcome> expected, List<Outcome> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).outputIds(), actual.get(i).outputIds(), where + ", request " + i);
            assertEquals(expected.get(i).topLogprobs(), actual.get(i).topLogprobs(), where + ", request " + i);
            assertEquals(expected.get(i).stop(), actual.get(i).stop(), where + ", request " + i);
        }
    }

    @Test
    void everyGroupShapeGivesTheRowsOfOnePlainCall() {
        List<int[]> prompts = prompts(9);
        List<SamplingSpec> params = params(9);
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(2);
             Generator plain = new Generator(MODEL, kernels, Arrays::toString, 4096)) {
            List<Outcome> reference = plain.generate(prompts, params);
            assertEquals(9, reference.get(0).batchSize());
            // (sequences, pass tokens): one at a time, small groups that keep refilling, prompts split mid-way
            int[][] shapes = {{1, 4096}, {2, 5}, {3, 64}, {4, 7}, {9, 2}};
            for (int[] shape : shapes) {
                try (Generator g = new Generator(MODEL, kernels, Arrays::toString, new GroupLimits(shape[0], shape[1]),
                        MODEL.config().eosTokenIds())) {
                    List<Outcome> got = g.generate(prompts, params);
                    assertSameRows(reference, got, "group of " + shape[0] + ", passes of " + shape[1] + " tokens");
                    assertTrue(got.get(0).batchSize() <= shape[0], "group exceeded: " + got.get(0).batchSize());
                }
            }
        }
    }

    @Test
    void arrivalOrderAndSplittingIntoCallsChangeNoRow() {
        List<int[]> prompts = prompts(8);
        List<SamplingSpec> params = params(8);
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(2);
             Generator g = new Generator(MODEL, kernels, Arrays::toString, new GroupLimits(3, 16),
                     MODEL.config().eosTokenIds())) {
            List<Outcome> reference = g.generate(prompts, params);
            List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
            Collections.shuffle(order, new java.util.Random(7));
            List<CompletableFuture<List<Outcome>>> calls = new ArrayList<>();
            for (int i : order) { // eight concurrent one-row calls, in shuffled order
                calls.add(CompletableFuture.supplyAsync(() -> g.generate(List.of(prompts.get(i)), List.of(params.get(i)))));
            }
            for (int k = 0; k < order.size(); k++) {
                int i = order.get(k);
                assertSameRows(List.of(reference.get(i)), calls.get(k).join(), "request " + i + " as its own call");
            }
        }
    }

    @Test
    void fastKernelsKeepGreedyIdsAndLogprobsWithinTolerance() {
        List<int[]> prompts = prompts(6);
        List<SamplingSpec> greedy = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            greedy.add(new SamplingSpec(8, 0f, 0, 1f, 0, List.of(), 2));
        }
        try (Kernels kernels = CpuKernelsFactory.create(false, 2);
             Generator plain = new Generator(MODEL, kernels, Arrays::toString, 4096);
             Generator grouped = new Generator(MODEL, kernels, Arrays::toString, new GroupLimits(2, 6),
                     MODEL.config().eosTokenIds())) {
            List<Outcome> a = plain.generate(prompts, greedy);
            List<Outcome> b = grouped.generate(prompts, greedy);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).outputIds(), b.get(i).outputIds(), "request " + i);
                for (int t = 0; t < a.get(i).topLogprobs().size(); t++) {
                    assertEquals(a.get(i).topLogprobs().get(t).get(0).logprob(),
                            b.get(i).topLogprobs().get(t).get(0).logprob(), 1e-4, "request " + i + " position " + t);
                }
            }
        }
    }

    /** Counts forward passes (routing of the first MoE layer) and the most sequences seen in one. */
    private static final class PassCounter implements RoutingListener {
        final AtomicInteger passes = new AtomicInteger();
        volatile int widest;
        private final int layer;

        PassCounter(int layer) {
            this.layer = layer;
        }

        @Override
        public void routed(RoutingEvent e) {
            if (e.layer() != layer) {
                return;
            }
            passes.incrementAndGet();
            Set<Long> ids = new HashSet<>();
            for (int r = 0; r < e.rows(); r++) {
                ids.add(e.requestId(r));
            }
            widest = Math.max(widest, ids.size());
        }
    }

    private static int firstMoeLayer() {
        for (int l = 0; l < MODEL.config().layers(); l++) {
            if (MODEL.config().isMoeLayer(l)) {
                return l;
            }
        }
        throw new AssertionError("the test model has no MoE layer");
    }

    @Test
    void aFinishedSequencesPlaceGoesToAWaitingOneAtOnce() {
        List<int[]> prompts = prompts(3);
        List<SamplingSpec> params = List.of(new SamplingSpec(2, 0f, 0, 1f, 0, List.of(), 0),
                new SamplingSpec(30, 0f, 0, 1f, 0, List.of(), 0), new SamplingSpec(30, 0f, 0, 1f, 0, List.of(), 0));
        PassCounter counter = new PassCounter(firstMoeLayer());
        MODEL.experts().addListener(counter);
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(2);
             Generator g = new Generator(MODEL, kernels, Arrays::toString, new GroupLimits(2, 4096), new int[0])) {
            g.generate(prompts, params);
            // Static batches would take 30 passes for the first two and 30 more for the third; continuous
            // batching starts the third when the first leaves after 2 passes: 2 + 30 passes.
            assertEquals(32, counter.passes.get(), "passes");
            assertEquals(2, counter.widest);
        } finally {
            MODEL.experts().removeListener(counter);
        }
    }

    @Test
    void callsThatOverlapInTimeShareForwardPasses() throws Exception {
        List<int[]> prompts = prompts(4);
        List<SamplingSpec> params = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            params.add(new SamplingSpec(12, 0f, 0, 1f, 0, List.of(), 0));
        }
        CountDownLatch firstPolled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BooleanSupplier holdOnce = new BooleanSupplier() { // holds the loop at the first call's first pass
            boolean held;

            @Override
            public boolean getAsBoolean() {
                if (!held) {
                    held = true;
                    firstPolled.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return false;
            }
        };
        PassCounter counter = new PassCounter(firstMoeLayer());
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(2);
             Generator g = new Generator(MODEL, kernels, Arrays::toString, 4096)) {
            List<Outcome> alone = g.generate(prompts.subList(0, 2), params.subList(0, 2));
            LoopFigures before = g.figures();
            MODEL.experts().addListener(counter);
            CompletableFuture<List<Outcome>> a = CompletableFuture.supplyAsync(
                    () -> g.generate(prompts.subList(0, 2), params.subList(0, 2), holdOnce));
            assertTrue(firstPolled.await(30, TimeUnit.SECONDS));
            CompletableFuture<List<Outcome>> b = CompletableFuture.supplyAsync(
                    () -> g.generate(prompts.subList(2, 4), params.subList(2, 4)));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (g.queuedCalls() == 0 && System.nanoTime() < deadline) { // b queued behind the held pass
                Thread.sleep(5);
            }
            release.countDown();
            List<Outcome> fromA = a.get(60, TimeUnit.SECONDS);
            List<Outcome> fromB = b.get(60, TimeUnit.SECONDS);
            long lookups = g.figures().since(before).expertLookups();
            assertTrue(lookups > 0);
            assertEquals(lookups, fromA.get(0).experts().lookups() + fromB.get(0).experts().lookups(),
                    "the calls' shares of the shared passes add up to the loop's figures");
            assertEquals(4, fromA.get(0).batchSize(), "the second call joined the first one's group");
            assertEquals(4, counter.widest);
            assertTrue(counter.passes.get() <= 13, "both calls in about 12 shared passes, took " + counter.passes.get());
            assertSameRows(alone, fromA, "company changes no row");
        } finally {
            MODEL.experts().removeListener(counter);
        }
    }
}
