package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling options through the engine on tiny-qwen3-moe, in batch-invariant mode so logits compare exactly. */
class SamplingEndToEndTest {
    private static final String PROMPT = "Once upon a time, in a small village by the sea,";
    private static KlotskiEngine engine;

    @BeforeAll
    static void open() {
        engine = KlotskiEngine.open(EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(true).optThreads(2).build());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static SamplingParams sampling(int maxNew, float temperature, int topK, float topP, long seed) {
        return new SamplingParams(maxNew, temperature, topK, topP, seed, List.of(), 0);
    }

    private static GenerationResult one(String text, SamplingParams p) {
        return engine.generate(List.of(GenerationRequest.ofText(text, p))).get(0);
    }

    @Test
    void greedyPicksTheMostLikelyTokenAtEveryStep() {
        GenerationResult r = one(PROMPT, sampling(16, 0f, 0, 1f, 0).withTopLogprobs(3));
        assertEquals(16, r.outputIds().length);
        for (int s = 0; s < 16; s++) {
            assertEquals(r.topLogprobs().get(s).get(0).id(), r.outputIds()[s], "step " + s);
        }
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void topKOneAndTinyTopPEqualGreedy() {
        int[] greedy = one(PROMPT, sampling(16, 0f, 0, 1f, 0)).outputIds();
        for (long seed = 1; seed <= 3; seed++) {
            assertArrayEquals(greedy, one(PROMPT, sampling(16, 1.5f, 1, 1f, seed)).outputIds(), "top_k=1 seed " + seed);
            assertArrayEquals(greedy, one(PROMPT, sampling(16, 1.5f, 0, 1e-6f, seed)).outputIds(), "top_p=1e-6 seed " + seed);
        }
    }

    @Test
    void sameSeedSameTokensRunToRunAndWhateverTheNeighbours() {
        SamplingParams hot = sampling(16, 1.2f, 0, 1f, 77);
        int[] first = one(PROMPT, hot).outputIds();
        assertArrayEquals(first, one(PROMPT, hot).outputIds(), "run to run");
        // Neighbours with other prompts and seeds, before and after it, drawing from their own streams.
        List<GenerationResult> batch = engine.generate(List.of(
                GenerationRequest.ofText("Hi", sampling(16, 1.2f, 0, 1f, 1)),
                GenerationRequest.ofText(PROMPT, hot),
                GenerationRequest.ofText("The quick brown fox", sampling(5, 1.2f, 0, 1f, 2)),
                GenerationRequest.ofText(PROMPT, hot.withSeed(78))));
        assertArrayEquals(first, batch.get(1).outputIds(), "inside a batch");
        // A fresh engine (fresh kernels and threads) draws the same.
        try (KlotskiEngine other = KlotskiEngine.open(
                EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(true).optThreads(1).build())) {
            assertArrayEquals(first, other.generate(List.of(GenerationRequest.ofText(PROMPT, hot))).get(0).outputIds(),
                    "another engine");
        }
    }

    @Test
    void differentSeedsGiveDifferentSamplesOnAFlatDistribution() {
        int[] a = one(PROMPT, sampling(16, 5f, 0, 1f, 1)).outputIds();
        int[] b = one(PROMPT, sampling(16, 5f, 0, 1f, 2)).outputIds();
        assertFalse(Arrays.equals(a, b), "seeds 1 and 2 sampled the same 16 tokens at temperature 5");
    }

    @Test
    void stopStringCutsTheTextAndSaysSo() {
        GenerationResult full = one(PROMPT, sampling(24, 0f, 0, 1f, 0));
        String text = full.text();
        assertTrue(text.length() >= 8, "need some text to cut: '" + text + "'");
        String stop = text.substring(4, 7);
        int at = text.indexOf(stop);
        SamplingParams withStop = new SamplingParams(24, 0f, 0, 1f, 0, List.of(stop), 0);
        GenerationResult cut = one(PROMPT, withStop);
        assertEquals(FinishReason.STOP_STRING, cut.finishReason());
        assertEquals(text.substring(0, at), cut.text());
        assertTrue(cut.outputIds().length < full.outputIds().length, "generation stopped early");
        assertArrayEquals(Arrays.copyOf(full.outputIds(), cut.outputIds().length), cut.outputIds());
    }

    @Test
    void maxNewTokensZeroGivesAnEmptyOutput() {
        GenerationResult r = one(PROMPT, sampling(0, 0f, 0, 1f, 0).withTopLogprobs(5));
        assertEquals(0, r.outputIds().length);
        assertEquals("", r.text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertTrue(r.topLogprobs().isEmpty());
        assertTrue(r.promptIds().length > 0);
    }

    @Test
    void eosFromTheConfigStopsGeneration(@TempDir Path tmp) {
        Path dir = TestModels.make(tmp.resolve("m"), TestModels.spec("mixtral", 64, 3));
        GenerationRequest request = GenerationRequest.ofText("The quick brown fox", sampling(12, 0f, 0, 1f, 0));
        int[] free;
        try (KlotskiEngine e = KlotskiEngine.open(EngineOptions.builder(dir).optBatchInvariant(true).optThreads(1).build())) {
            free = e.generate(List.of(request)).get(0).outputIds();
        }
        // Make the first token that was not produced before step 2 (or later) the model's EOS.
        int step = 2;
        while (step < free.length && contains(Arrays.copyOf(free, step), free[step])) {
            step++;
        }
        assertTrue(step < free.length, "every greedy token repeats an earlier one: " + Arrays.toString(free));
        TestModels.editJson(dir, "generation_config.json", Map.of("eos_token_id", free[step]));
        try (KlotskiEngine e = KlotskiEngine.open(EngineOptions.builder(dir).optBatchInvariant(true).optThreads(1).build())) {
            GenerationResult r = e.generate(List.of(request)).get(0);
            assertEquals(FinishReason.EOS, r.finishReason());
            assertArrayEquals(Arrays.copyOf(free, step + 1), r.outputIds(), "stops at, and keeps, the EOS token");
        }
    }

    private static boolean contains(int[] ids, int id) {
        return Arrays.stream(ids).anyMatch(x -> x == id);
    }
}
