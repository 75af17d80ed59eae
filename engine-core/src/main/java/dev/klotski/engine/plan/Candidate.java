package dev.klotski.engine.plan;

/**
 * One point of the planner's search: a group of n batches of b sequences, whether its memory fits, and its
 * predicted run (with the largest prefill pass that fits, or, when nothing fits, an unconstrained one, so the
 * plan can say what memory cost).
 *
 * @param kvBytes         KV caches of the group's sequences
 * @param activationBytes activations of its largest pass (when it does not fit: the least it would need)
 * @param fits            KV plus activations fit the KV memory
 * @param residency       where the experts live for this candidate (slots per layer, pool)
 */
record Candidate(Prediction prediction, long kvBytes, long activationBytes, boolean fits, Residency residency) {

    static Candidate of(int n, int b, long memoryBytes, MemoryModel memory, CostModel cost, Workload w) {
        int sequences = (int) Math.min((long) n * b, w.prompts());
        long kv = memory.kv(sequences);
        long decode = memory.decodeActivations(sequences);
        int pass = memory.passTokens(sequences, memoryBytes - kv);
        boolean fits = kv + decode <= memoryBytes && pass >= 1;
        int used = fits ? pass : (int) Math.min(Integer.MAX_VALUE, (long) sequences * w.promptTokens());
        long activations = Math.max(decode, memory.prefillActivations(sequences, fits ? pass : 1)); // least, if over
        return new Candidate(cost.predict(n, b, used), kv, activations, fits, cost.residency());
    }

    int n() {
        return prediction.groupBatches();
    }

    int b() {
        return prediction.batchSize();
    }

    double tokensPerSecond() {
        return prediction.tokensPerSecond();
    }

    long memoryBytes() {
        return kvBytes + activationBytes;
    }
}
