package dev.klotski.engine.api;

import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.generate.LogitAgreement;
import dev.klotski.engine.api.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a model against a reference as llama.cpp's KL-divergence tool does: the reference completes each
 * prompt greedily, then both models are fed prompt + completion and their next-token distributions are
 * compared at every position that predicts a completion token (the last prompt token onward). Prompts are
 * tokenized raw (no chat template) by the reference's tokenizer, BOS added as its config says.
 */
public final class ModelComparison {
    private ModelComparison() {
    }

    /** The agreement over all prompts; {@code newTokens} per prompt (fewer where the reference stops at EOS). */
    public static LogitAgreement.Summary compare(KlotskiEngine model, KlotskiEngine reference, List<String> prompts,
                                                 int newTokens) {
        if (newTokens < 1) {
            throw new IllegalArgumentException("--new-tokens must be >= 1, got " + newTokens);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to compare on; give at least one");
        }
        int vocab = reference.modelConfig().vocabSize();
        if (model.modelConfig().vocabSize() != vocab) {
            throw new IllegalArgumentException("the model's vocabulary has " + model.modelConfig().vocabSize()
                    + " tokens but the reference's has " + vocab + "; compare models that share a tokenizer");
        }
        SamplingParams greedy = SamplingParams.GREEDY.withMaxNewTokens(newTokens);
        List<GenerationRequest> requests = new ArrayList<>();
        for (String p : prompts) {
            requests.add(GenerationRequest.ofText(p, greedy));
        }
        LogitAgreement agreement = new LogitAgreement();
        for (GenerationResult r : reference.generate(requests)) {
            int[] prompt = r.promptIds();
            int[] ids = new int[prompt.length + r.outputIds().length];
            System.arraycopy(prompt, 0, ids, 0, prompt.length);
            System.arraycopy(r.outputIds(), 0, ids, prompt.length, r.outputIds().length);
            float[] ref = reference.teacherForcedLogits(ids);
            float[] got = model.teacherForcedLogits(ids);
            for (int pos = prompt.length - 1; pos < ids.length - 1; pos++) { // the rows that predict output tokens
                agreement.add(ref, got, pos * vocab, vocab);
            }
        }
        return agreement.summary();
    }
}
