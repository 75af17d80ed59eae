package dev.klotski.engine.generate;

import dev.klotski.engine.model.layers.ExpertCounters;
import java.util.List;

/**
 * What the generator made of one prompt, with the figures of the batch it ran in.
 *
 * @param promptIds      the prompt as fed
 * @param outputIds      generated token ids (an EOS token that ended generation is included)
 * @param text           decoded output, cut before a stop string
 * @param stop           why generation stopped
 * @param topLogprobs    per generated position, the requested number of best candidates (empty when none asked)
 * @param prefillNanos   the batch's prefill time
 * @param decodeNanos    the batch's decode time
 * @param batchSize      sequences in the batch
 * @param experts        the batch's expert figures (lookups, hits, loads, bytes read, stalls)
 */
public record Outcome(int[] promptIds, int[] outputIds, String text, StopReason stop,
                      List<List<Candidate>> topLogprobs, long prefillNanos, long decodeNanos, int batchSize,
                      ExpertCounters experts) {
}
