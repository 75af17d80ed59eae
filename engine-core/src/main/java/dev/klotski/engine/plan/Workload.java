package dev.klotski.engine.plan;

/**
 * The job to plan for: Klotski's offline setting, many prompts of similar length, each completed to a fixed
 * number of tokens.
 *
 * @param prompts      prompts to complete
 * @param promptTokens tokens per prompt
 * @param newTokens    tokens generated per prompt (the first comes from the prefill pass)
 * @param batchSize    sequences per batch, or null for the planner to choose
 */
public record Workload(int prompts, int promptTokens, int newTokens, Integer batchSize) {

    public Workload {
        if (prompts < 1 || promptTokens < 1 || newTokens < 1 || (batchSize != null && batchSize < 1)) {
            throw new IllegalArgumentException("a workload needs at least one prompt of one token and one new token, "
                    + "and a positive batch size: got " + prompts + " prompts of " + promptTokens + " tokens, "
                    + newTokens + " new tokens, batch size " + batchSize);
        }
    }

    /** Positions each sequence's KV cache may reach. */
    public int positions(int contextLength) {
        return Math.min(contextLength, promptTokens + newTokens);
    }
}
