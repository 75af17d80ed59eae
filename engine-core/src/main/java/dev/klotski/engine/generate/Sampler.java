package dev.klotski.engine.generate;

import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: argmax when greedy, else temperature, top-k and top-p
 * filtering followed by a draw from the sequence's own random stream.
 */
final class Sampler {
    private final SamplingSpec params;
    private final SplittableRandom random;

    Sampler(SamplingSpec params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    int next(float[] logits, int offset, int vocab) {
        if (params.greedy()) {
            return argmax(logits, offset, vocab);
        }
        int[] order = filtering() ? rankedIds(logits, offset, vocab) : null; // null: every id, in id order
        int kept = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        double max = logits[offset + argmax(logits, offset, vocab)] / params.temperature();
        double[] probs = new double[kept];
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            probs[i] = Math.exp(logits[offset + id(order, i)] / params.temperature() - max);
            sum += probs[i];
        }
        if (params.topP() < 1f) {
            double cumulative = 0;
            int cut = kept;
            for (int i = 0; i < kept; i++) {
                cumulative += probs[i] / sum;
                if (cumulative >= params.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            kept = cut;
            sum = 0;
            for (int i = 0; i < kept; i++) {
                sum += probs[i];
            }
        }
        double draw = random.nextDouble() * sum;
        for (int i = 0; i < kept; i++) {
            draw -= probs[i];
            if (draw < 0) {
                return id(order, i);
            }
        }
        return id(order, kept - 1);
    }

    /** Top-k and top-p need the ids ranked by logit; plain temperature sampling does not. */
    private boolean filtering() {
        return params.topK() > 0 || params.topP() < 1f;
    }

    private static int id(int[] order, int rank) {
        return order == null ? rank : order[rank];
    }

    /**
     * Ids by descending logit, equal logits in id order. Sorts packed primitive keys (the logit's order-preserving
     * bits above the inverted id): several times faster than sorting boxed ids with a comparator, which matters
     * for 150k-token vocabularies sampled for every sequence at every step.
     */
    static int[] rankedIds(float[] logits, int offset, int vocab) {
        long[] keys = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            int bits = Float.floatToIntBits(logits[offset + i]);
            int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed-int order equals float order
            keys[i] = ((long) ordered << 32) | (0xFFFFFFFFL - i);
        }
        java.util.Arrays.sort(keys);
        int[] ids = new int[vocab];
        for (int r = 0; r < vocab; r++) {
            ids[r] = (int) (0xFFFFFFFFL - (keys[vocab - 1 - r] & 0xFFFFFFFFL));
        }
        return ids;
    }

    /** Index of the largest logit; the lowest id wins a tie. */
    static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
