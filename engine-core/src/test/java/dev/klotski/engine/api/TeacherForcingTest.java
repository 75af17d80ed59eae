package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.generate.LogitAgreement;
import dev.klotski.engine.api.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Teacher-forced logits are the logits generation sees, and a model compared with itself agrees exactly. */
class TeacherForcingTest {

    private static KlotskiEngine open(boolean batchInvariant) {
        return KlotskiEngine.open(EngineOptions.builder(TestModels.qwen3()).optThreads(1)
                .optBatchInvariant(batchInvariant).build());
    }

    @Test
    void everyRowIsTheDistributionGenerationSampledFrom() {
        try (KlotskiEngine engine = open(true)) {
            GenerationResult r = engine.generate(List.of(GenerationRequest.ofText("Hello there",
                    SamplingParams.GREEDY.withMaxNewTokens(10).withTopLogprobs(1)))).get(0);
            int[] prompt = r.promptIds();
            int[] out = r.outputIds();
            int[] ids = new int[prompt.length + out.length];
            System.arraycopy(prompt, 0, ids, 0, prompt.length);
            System.arraycopy(out, 0, ids, prompt.length, out.length);
            float[] logits = engine.teacherForcedLogits(ids);
            int vocab = engine.modelConfig().vocabSize();
            assertEquals(ids.length * vocab, logits.length);
            for (int i = 0; i < out.length; i++) {
                int row = prompt.length - 1 + i;
                int best = 0;
                for (int v = 1; v < vocab; v++) {
                    best = logits[row * vocab + v] > logits[row * vocab + best] ? v : best;
                }
                assertEquals(out[i], best, "step " + i);
                double max = logits[row * vocab + best];
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += Math.exp(logits[row * vocab + v] - max);
                }
                assertEquals(r.topLogprobs().get(i).get(0).logprob(), -Math.log(sum), 1e-5, "step " + i);
            }
        }
    }

    @Test
    void aModelAgainstItselfAgreesExactly() {
        try (KlotskiEngine a = open(false); KlotskiEngine b = open(false)) {
            LogitAgreement.Summary s = ModelComparison.compare(a, b, List.of("One two three", "The sky is"), 12);
            assertEquals(1.0, s.sameTop1());
            assertEquals(0.0, s.meanKl(), 1e-9);
            assertEquals(0.0, s.maxTop5LogprobDiff());
            assertEquals(24, s.positions()); // no EOS within 12 tokens for these prompts, else fewer
        }
    }

    @Test
    void badIdsAreRefused() {
        try (KlotskiEngine engine = open(false)) {
            assertThrows(IllegalArgumentException.class, () -> engine.teacherForcedLogits(new int[0]));
            assertThrows(IllegalArgumentException.class, () -> engine.teacherForcedLogits(new int[] {1, 99999}));
        }
    }
}
