package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sampler on hand-made logits: greedy, seeding, top-k, top-p and the sampled distribution itself. */
class SamplerTest {
    private static final int VOCAB = 300;

    private static SamplingSpec params(float temperature, int topK, float topP, long seed) {
        return new SamplingSpec(16, temperature, topK, topP, seed, List.of(), 0);
    }

    private static float[] randomLogits(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 10 - 5);
        }
        return v;
    }

    private static int[] draws(Sampler s, float[] logits, int offset, int vocab, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.next(logits, offset, vocab);
        }
        return out;
    }

    private static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void greedyIsArgmaxAtTheRowOffset() {
        for (long seed = 0; seed < 20; seed++) {
            float[] logits = randomLogits(seed, 3 * VOCAB); // three rows; use the middle one
            Sampler greedy = new Sampler(params(0f, 0, 1f, seed));
            assertEquals(argmax(logits, VOCAB, VOCAB), greedy.next(logits, VOCAB, VOCAB));
        }
        float[] tie = {1f, 3f, 2f, 3f};
        assertEquals(1, new Sampler(params(0f, 0, 1f, 0)).next(tie, 0, 4), "a tie goes to the lowest id");
    }

    @Test
    void sameSeedSameDrawsWhateverElseIsSampled() {
        float[] flat = new float[VOCAB]; // uniform: every draw is a genuine coin flip
        int[] first = draws(new Sampler(params(1f, 0, 1f, 42)), flat, 0, VOCAB, 50);
        Sampler again = new Sampler(params(1f, 0, 1f, 42));
        Sampler neighbour = new Sampler(params(1f, 0, 1f, 42));
        int[] second = new int[50];
        for (int i = 0; i < 50; i++) {
            draws(neighbour, flat, 0, VOCAB, 3); // another sequence drawing in between changes nothing
            second[i] = again.next(flat, 0, VOCAB);
        }
        assertArrayEquals(first, second);
    }

    @Test
    void differentSeedsGiveDifferentSamples() {
        float[] flat = new float[VOCAB];
        int[] a = draws(new Sampler(params(1f, 0, 1f, 1)), flat, 0, VOCAB, 20);
        int[] b = draws(new Sampler(params(1f, 0, 1f, 2)), flat, 0, VOCAB, 20);
        assertFalse(java.util.Arrays.equals(a, b), "seeds 1 and 2 drew the same 20 tokens out of " + VOCAB);
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        for (long seed = 0; seed < 30; seed++) {
            float[] logits = randomLogits(100 + seed, VOCAB);
            int expected = argmax(logits, 0, VOCAB);
            Sampler topK1 = new Sampler(params(2f, 1, 1f, seed));
            Sampler tinyP = new Sampler(params(2f, 0, 1e-6f, seed));
            for (int i = 0; i < 5; i++) {
                assertEquals(expected, topK1.next(logits, 0, VOCAB), "top_k=1, seed " + seed);
                assertEquals(expected, tinyP.next(logits, 0, VOCAB), "top_p=1e-6, seed " + seed);
            }
        }
    }

    /** Frequencies of n draws, one per vocabulary entry. */
    private static double[] frequencies(SamplingSpec p, float[] logits, int n) {
        Sampler s = new Sampler(p);
        double[] f = new double[logits.length];
        for (int i = 0; i < n; i++) {
            f[s.next(logits, 0, logits.length)] += 1.0 / n;
        }
        return f;
    }

    @Test
    void drawsFollowTheFilteredDistribution() {
        // Probabilities 0.5, 0.3, 0.15, 0.05, given in a shuffled id order.
        float[] logits = {(float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3)};
        int n = 40_000;
        double tol = 0.015;
        assertArrayEquals(new double[] {0.15, 0.5, 0.05, 0.3}, frequencies(params(1f, 0, 1f, 7), logits, n), tol,
                "plain sampling");
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, frequencies(params(1f, 2, 1f, 8), logits, n), tol,
                "top_k=2 keeps ids 1 and 3");
        // top_p 0.9: 0.5 + 0.3 = 0.8 < 0.9, so 0.15 joins; 0.05 is cut.
        assertArrayEquals(new double[] {0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95},
                frequencies(params(1f, 0, 0.9f, 9), logits, n), tol, "top_p=0.9");
        // Temperature 2 flattens: p^(1/2), renormalised.
        double[] sqrt = {Math.sqrt(0.15), Math.sqrt(0.5), Math.sqrt(0.05), Math.sqrt(0.3)};
        double z = sqrt[0] + sqrt[1] + sqrt[2] + sqrt[3];
        assertArrayEquals(new double[] {sqrt[0] / z, sqrt[1] / z, sqrt[2] / z, sqrt[3] / z},
                frequencies(params(2f, 0, 1f, 10), logits, n), tol, "temperature 2");
    }

    @Test
    void rankedIdsSortByLogitThenId() {
        float[] logits = {0.5f, -1f, 2f, 0.5f, Float.NEGATIVE_INFINITY, -0f, 0f, 2f, -3.5f};
        // Equal logits keep id order (2 before 7, 0 before 3); -0 and 0 are equal as logits but ordered by bits.
        assertArrayEquals(new int[] {2, 7, 0, 3, 6, 5, 1, 8, 4}, Sampler.rankedIds(logits, 0, logits.length));
        float[] shifted = new float[logits.length + 3];
        System.arraycopy(logits, 0, shifted, 3, logits.length);
        assertArrayEquals(Sampler.rankedIds(logits, 0, logits.length), Sampler.rankedIds(shifted, 3, logits.length));
    }
}
