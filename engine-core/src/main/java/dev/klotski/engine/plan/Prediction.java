package dev.klotski.engine.plan;

/**
 * The predicted run of a workload under one choice of n, b and the prefill pass size.
 *
 * @param prefillSeconds every prefill pass
 * @param decodeSeconds  every decode step
 * @param bubbleSeconds  of those, time compute waits for loads
 * @param decodeStep     a full group's decode step
 * @param prefillPass    a full prefill pass
 */
record Prediction(int groupBatches, int batchSize, int passTokens, double prefillSeconds, double decodeSeconds,
                  double bubbleSeconds, CostModel.Pass decodeStep, CostModel.Pass prefillPass, Workload workload) {

    double seconds() {
        return prefillSeconds + decodeSeconds;
    }

    /** Klotski's metric: generated tokens / (prefill + decode time). */
    double tokensPerSecond() {
        return (double) workload.prompts() * workload.newTokens() / seconds();
    }

    double prefillTokensPerSecond() {
        return (double) workload.prompts() * workload.promptTokens() / prefillSeconds;
    }

    /** Tokens per second of the decode steps (0 when each prompt gets only the prefill's token). */
    double decodeTokensPerSecond() {
        return decodeSeconds == 0 ? 0 : (double) workload.prompts() * (workload.newTokens() - 1) / decodeSeconds;
    }

    double bubbleFraction() {
        return bubbleSeconds / seconds();
    }

    /** Accumulates groups' {prefill, decode, bubble} seconds. */
    static final class Sum {
        double prefill;
        double decode;
        double bubble;

        void add(double[] group, int times) {
            prefill += times * group[0];
            decode += times * group[1];
            bubble += times * group[2];
        }
    }
}
