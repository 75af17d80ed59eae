package dev.klotski.engine.api;

import java.util.List;

/**
 * The completion of one request.
 *
 * @param promptIds    the prompt as the model saw it (after BOS handling, chat formatting and truncation)
 * @param outputIds    generated token ids (an EOS token that ended generation is included)
 * @param text         decoded output, special tokens skipped, cut before a stop string
 * @param topLogprobs  per generated position, the requested number of best candidates (empty when none asked)
 */
public record GenerationResult(int[] promptIds, int[] outputIds, String text, FinishReason finishReason,
                               List<List<TokenLogprob>> topLogprobs, GenerationStats stats) {
}
