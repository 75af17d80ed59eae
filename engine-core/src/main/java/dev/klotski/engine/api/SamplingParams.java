package dev.klotski.engine.api;

import java.util.List;
import java.util.Objects;

/**
 * How one sequence picks its tokens and when it stops.
 *
 * @param maxNewTokens  generation stops after this many new tokens
 * @param temperature   0 means greedy (argmax); otherwise logits are divided by it before sampling
 * @param topK          keep only the K most likely tokens (0 = no limit)
 * @param topP          keep the smallest set of tokens whose probability adds up to P (1 = no limit)
 * @param seed          seeds this sequence's own random stream, so its tokens never depend on its batch
 * @param stopStrings   generation stops as soon as the decoded output contains one of these
 * @param topLogprobs   how many top log-probabilities to report per generated position (0 = none)
 */
public record SamplingParams(int maxNewTokens, float temperature, int topK, float topP, long seed,
                             List<String> stopStrings, int topLogprobs) {

    public static final SamplingParams GREEDY = new SamplingParams(64, 0f, 0, 1f, 0L, List.of(), 0);

    public SamplingParams {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 disables it), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topLogprobs < 0) {
            throw new IllegalArgumentException("top_logprobs must be >= 0, got " + topLogprobs);
        }
        stopStrings = List.copyOf(Objects.requireNonNull(stopStrings, "stopStrings"));
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(n, temperature, topK, topP, seed, stopStrings, topLogprobs);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, s, stopStrings, topLogprobs);
    }

    public SamplingParams withTopLogprobs(int k) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, seed, stopStrings, k);
    }
}
