package dev.klotski.engine.plan;

/**
 * Bytes a group needs beside the weights: its KV caches, which on the CPU backend live in host memory, and the
 * activations of its largest pass (a decode step of the whole group, whose hidden states the expert stage
 * holds together, or a prefill pass).
 */
final class MemoryModel {
    private final ModelShape m;
    private final Workload w;

    MemoryModel(ModelShape m, Workload w) {
        this.m = m;
        this.w = w;
    }

    /** KV = sequences x (prompt + new tokens, at most the context) x layers x kvDim x 2 x 4 bytes. */
    long kv(int sequences) {
        return (long) sequences * w.positions(m.contextLength()) * m.kvBytesPerPosition();
    }

    /** A decode step of every sequence of the group, with a row of logits each. */
    long decodeActivations(int sequences) {
        return (long) sequences * (m.activationBytesPerToken() + m.logitBytesPerRow());
    }

    /** A prefill pass of {@code tokens} tokens, with a row of logits per prompt ending in it. */
    long prefillActivations(int sequences, long tokens) {
        long rows = Math.min(sequences, (tokens + w.promptTokens() - 1) / w.promptTokens() + 1);
        return tokens * m.activationBytesPerToken() + rows * m.logitBytesPerRow();
    }

    /**
     * The largest prefill pass (at most the group's prompt tokens) whose activations fit in {@code room} bytes,
     * rounded down to a multiple of 256 when memory is what limits it; 0 when not even one token fits.
     */
    int passTokens(int sequences, long room) {
        long most = Math.min(Integer.MAX_VALUE, (long) sequences * w.promptTokens());
        if (prefillActivations(sequences, most) <= room) {
            return (int) most;
        }
        long lo = 0;
        long hi = most;
        while (lo < hi) { // the largest t with prefillActivations(t) <= room
            long mid = (lo + hi + 1) / 2;
            if (prefillActivations(sequences, mid) <= room) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return (int) (lo > 256 ? lo / 256 * 256 : lo);
    }
}
