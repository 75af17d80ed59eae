package dev.klotski.engine.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.api.TokenLogprob;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.ForwardBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine reproduces outputs recorded by llama.cpp: prompt tokenization, greedy tokens, top-5
 * probabilities and full first-step logits, in the fast and in the batch-invariant mode.
 */
class GoldenModelTest {
    /**
     * The issue asks for 1e-3. llama.cpp and a float64 numpy reference agree to 4e-5 on these models, and we
     * measured at most 3.8e-5 in every kernel family, so we hold 1e-4: tight enough to catch a wrong RMSNorm eps
     * (1.1e-4 on OLMoE), with room for another machine's rounding.
     */
    static final double LOGIT_TOLERANCE = 1e-4;
    /** Top-5 probabilities, as the issue asks. */
    static final double PROBABILITY_TOLERANCE = 1e-3;
    /** Ranks closer than this may legitimately swap, and a greedy pick may differ. */
    static final double NEAR_TIE = 2e-3;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<GoldenCase> all = new ArrayList<>(GoldenCase.bundled());
        if (GoldenCase.sharedMixtral() != null) {
            all.add(0, GoldenCase.load("tiny-mixtral", GoldenCase.sharedMixtral()));
        }
        for (GoldenCase c : all) {
            out.add(Arguments.of(c, false));
            out.add(Arguments.of(c, true));
        }
        return out.stream();
    }

    @Test
    void sharedMixtralGoldenIsPresentOrSkippedLoudly() {
        Assumptions.assumeTrue(GoldenCase.sharedMixtral() != null,
                "../shared/golden/tiny-mixtral is not present: the llama.cpp Mixtral golden test is skipped");
    }

    @ParameterizedTest(name = "{0}, batchInvariant={1}")
    @MethodSource("cases")
    void greedyTokensAndTopFiveMatchTheReference(GoldenCase golden, boolean batchInvariant) {
        EngineOptions options = EngineOptions.builder(golden.modelDir()).optBatchInvariant(batchInvariant).build();
        try (KlotskiEngine engine = KlotskiEngine.open(options)) {
            List<JsonNode> prompts = golden.prompts();
            List<GenerationRequest> requests = new ArrayList<>();
            for (JsonNode p : prompts) {
                int steps = p.get("generated_ids").size();
                requests.add(GenerationRequest.ofText(p.get("text").asText(),
                        new SamplingParams(steps, 0f, 0, 1f, 0, List.of(), 5)));
            }
            // All prompts go in one ragged batch: batching must not change any row's answer.
            List<GenerationResult> results = engine.generate(requests);
            for (int i = 0; i < prompts.size(); i++) {
                assertMatches(golden.name(), prompts.get(i), results.get(i));
            }
        }
    }

    static void assertMatches(String model, JsonNode prompt, GenerationResult result) {
        String where = model + "/" + prompt.get("name").asText();
        assertArrayEquals(GoldenCase.ints(prompt.get("prompt_ids")), result.promptIds(), where + ": prompt ids");
        int[] expected = GoldenCase.ints(prompt.get("generated_ids"));
        JsonNode steps = prompt.get("steps");
        for (int s = 0; s < expected.length; s++) {
            JsonNode step = steps.get(s);
            List<TokenLogprob> top = result.topLogprobs().get(s);
            for (int j = 0; j < 5; j++) {
                JsonNode ref = step.get("top5").get(j);
                double margin = j < 4 ? ref.get("logit").asDouble() - step.get("top5").get(j + 1).get("logit").asDouble() : 1;
                if (margin > NEAR_TIE) {
                    assertEquals(ref.get("id").asInt(), top.get(j).id(), where + " step " + s + " rank " + j);
                }
                assertEquals(ref.get("prob").asDouble(), probabilityOf(top, ref.get("id").asInt(), ref), PROBABILITY_TOLERANCE,
                        where + " step " + s + " probability of token " + ref.get("id").asInt());
            }
            if (step.get("margin_top1_top2_logit").asDouble() <= NEAR_TIE) {
                // A near-tie: our pick may differ legitimately, after which the paths diverge.
                return;
            }
            assertEquals(expected[s], result.outputIds()[s], where + ": greedy token at step " + s);
        }
        assertEquals(expected.length, result.outputIds().length, where + ": number of generated tokens");
    }

    private static double probabilityOf(List<TokenLogprob> top, int id, JsonNode ref) {
        for (TokenLogprob t : top) {
            if (t.id() == id) {
                return Math.exp(t.logprob());
            }
        }
        // Outside our top 5 only if it ties with our 5th: then its probability equals our 5th's.
        return Math.exp(top.get(top.size() - 1).logprob());
    }

    @ParameterizedTest(name = "{0}, batchInvariant={1}")
    @MethodSource("cases")
    void firstStepLogitsMatchTheFullVocabulary(GoldenCase golden, boolean batchInvariant) {
        MoeModel model = ModelLoader.load(golden.modelDir());
        try (Kernels kernels = CpuKernelsFactory.create(batchInvariant, 2)) {
            for (JsonNode prompt : golden.prompts()) {
                int[] ids = GoldenCase.ints(prompt.get("prompt_ids"));
                float[] logits = lastPositionLogits(model, kernels, ids);
                float[] expected = golden.step0Logits(prompt);
                assertEquals(expected.length, logits.length, "vocabulary size");
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(expected[i] - logits[i]));
                }
                assertTrue(worst <= LOGIT_TOLERANCE, golden.name() + "/" + prompt.get("name").asText()
                        + ": largest logit difference " + worst);
            }
        }
    }

    static float[] lastPositionLogits(MoeModel model, Kernels kernels, int[] ids) {
        var c = model.config();
        KvCache cache = new KvCache(kernels, c.layers(), c.kvDim(), c.contextLength(), ids.length);
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            positions[i] = i;
        }
        ForwardBatch batch = new ForwardBatch(ids, positions, new int[ids.length], new KvCache[] {cache},
                new int[] {ids.length - 1});
        return model.forward(kernels, model.newWorkspace(kernels), batch).clone();
    }
}
