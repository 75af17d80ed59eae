package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The requirement: with batch-invariant kernels a prompt's top log-probabilities (as exact doubles) and
 * its tokens (greedy and seeded sampling) are bit-identical whether it runs alone or in a batch of 8 with
 * prompts of other lengths, at any position, grouped in any way, on any thread count.
 */
class BatchInvarianceTest {
    private static final String[] TEXTS = {
        "Hi",
        "The quick brown fox jumps over the lazy dog.",
        "Once upon a time, in a small village by the sea, there lived an old fisherman who",
        "def add(a, b):\n    return a + b\n",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
        "naïve café — Ünïcödé",
        "A",
        "Klotski is a sliding block puzzle. The goal is to move the largest block to the exit at the bottom.",
    };

    @TempDir
    Path tmp;

    /** Half the prompts greedy, half sampled at temperature 0.9 with their own seeds; 20 top logprobs each. */
    private static List<GenerationRequest> requests() {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < TEXTS.length; i++) {
            float temperature = i % 2 == 0 ? 0f : 0.9f;
            int maxNew = 6 + i; // different lengths: sequences leave the decode batch at different steps
            out.add(GenerationRequest.ofText(TEXTS[i],
                    new SamplingParams(maxNew, temperature, 0, 0.95f, 1000 + i, List.of(), 20)));
        }
        return out;
    }

    private static void assertSame(GenerationResult expected, GenerationResult actual, String where) {
        assertArrayEquals(expected.promptIds(), actual.promptIds(), where + ": prompt ids");
        assertArrayEquals(expected.outputIds(), actual.outputIds(), where + ": tokens");
        assertEquals(expected.topLogprobs().size(), actual.topLogprobs().size(), where + ": logprob steps");
        for (int s = 0; s < expected.topLogprobs().size(); s++) {
            // TokenLogprob is a record of (int, double): equals compares the doubles exactly.
            assertEquals(expected.topLogprobs().get(s), actual.topLogprobs().get(s), where + ": top-20 at step " + s);
        }
        assertEquals(expected.text(), actual.text(), where + ": text");
        assertEquals(expected.finishReason(), actual.finishReason(), where + ": finish reason");
    }

    private void assertInvariant(Path model) {
        List<GenerationRequest> requests = requests();
        List<GenerationResult> alone = new ArrayList<>();
        try (KlotskiEngine engine = KlotskiEngine.open(
                EngineOptions.builder(model).optBatchInvariant(true).optThreads(1).build())) {
            assertTrue(engine.kernelsName().startsWith("fixed-order"), engine.kernelsName());
            for (GenerationRequest r : requests) {
                alone.add(engine.generate(List.of(r)).get(0));
            }
        }
        for (GenerationResult r : alone) {
            assertEquals(r.outputIds().length, r.topLogprobs().size());
            assertTrue(r.topLogprobs().stream().allMatch(step -> step.size() == 20));
        }
        for (int threads : new int[] {2, 3}) {
            try (KlotskiEngine engine = KlotskiEngine.open(
                    EngineOptions.builder(model).optBatchInvariant(true).optThreads(threads).build())) {
                String t = threads + " threads";
                // All 8 in request order.
                List<GenerationResult> all = engine.generate(requests);
                for (int i = 0; i < 8; i++) {
                    assertSame(alone.get(i), all.get(i), "batch of 8, position " + i + ", " + t);
                }
                // All 8, every prompt at a different position (a rotation by 3, then reversed).
                int[] order = {5, 4, 3, 2, 1, 0, 7, 6};
                List<GenerationRequest> shuffled = new ArrayList<>();
                for (int i : order) {
                    shuffled.add(requests.get(i));
                }
                List<GenerationResult> moved = engine.generate(shuffled);
                for (int j = 0; j < 8; j++) {
                    assertSame(alone.get(order[j]), moved.get(j), "prompt " + order[j] + " at position " + j + ", " + t);
                }
                // Grouped 3 + 5.
                List<GenerationResult> first = engine.generate(requests.subList(0, 3));
                List<GenerationResult> second = engine.generate(requests.subList(3, 8));
                for (int i = 0; i < 3; i++) {
                    assertSame(alone.get(i), first.get(i), "group of 3, position " + i + ", " + t);
                }
                for (int i = 3; i < 8; i++) {
                    assertSame(alone.get(i), second.get(i - 3), "group of 5, position " + (i - 3) + ", " + t);
                }
            }
        }
    }

    /** Only the invariant mode is promised; the fast mode says it is not (OpenBLAS blocks by problem size). */
    @Test
    void fastModeDoesNotClaimInvariance() {
        try (Kernels fast = CpuKernelsFactory.create(false, 1);
             KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(TestModels.qwen3()).optThreads(1).build())) {
            assertFalse(engine.options().batchInvariant());
            assertEquals(fast.name(), engine.kernelsName());
            if (fast.name().startsWith("openblas")) {
                assertFalse(fast.batchInvariant());
            }
        }
    }

    @Test
    void tinyQwen3Moe() {
        assertInvariant(TestModels.qwen3());
    }

    @Test
    void makeModelMixtralHidden128() {
        Path dir = TestModels.make(tmp.resolve("mixtral"), TestModels.spec("mixtral", 128, 5));
        assertInvariant(dir);
    }
}
