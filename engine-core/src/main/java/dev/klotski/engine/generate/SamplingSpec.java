package dev.klotski.engine.generate;

import java.util.List;

/**
 * How one sequence picks its tokens and when it stops, as the generator needs it. The facade builds it from a
 * validated request; the generator checks nothing again.
 *
 * @param maxNewTokens  generation stops after this many new tokens
 * @param temperature   0 means greedy (argmax); otherwise logits are divided by it before sampling
 * @param topK          keep only the K most likely tokens (0 = no limit)
 * @param topP          keep the smallest set of tokens whose probability adds up to P (1 = no limit)
 * @param seed          seeds this sequence's own random stream, so its tokens never depend on its batch
 * @param stopStrings   generation stops as soon as the decoded output contains one of these
 * @param topLogprobs   how many top log-probabilities to report per generated position (0 = none)
 */
public record SamplingSpec(int maxNewTokens, float temperature, int topK, float topP, long seed,
                           List<String> stopStrings, int topLogprobs) {

    public SamplingSpec {
        stopStrings = List.copyOf(stopStrings);
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
