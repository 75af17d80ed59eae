package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Logprobs.top: the k best ids, sorted, with natural-log softmax values equal to a double computation. */
class LogprobsTest {

    /** log softmax in double, the slow obvious way. */
    private static double[] logSoftmax(float[] logits, int offset, int vocab) {
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp((double) logits[offset + i]);
        }
        double[] out = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            out[i] = logits[offset + i] - Math.log(sum);
        }
        return out;
    }

    @Test
    void topKMatchesADoublePrecisionSoftmax() {
        SplittableRandom r = new SplittableRandom(3);
        int vocab = 517;
        for (int trial = 0; trial < 20; trial++) {
            float[] logits = new float[2 * vocab];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (r.nextDouble() * 16 - 8);
            }
            int k = 1 + trial;
            List<Candidate> top = Logprobs.top(logits, vocab, vocab, k);
            double[] expected = logSoftmax(logits, vocab, vocab);
            int[] bestIds = IntStream.range(0, vocab).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -expected[i]).thenComparingInt(i -> i))
                    .limit(k).mapToInt(Integer::intValue).toArray();
            assertEquals(k, top.size());
            for (int j = 0; j < k; j++) {
                assertEquals(bestIds[j], top.get(j).id(), "rank " + j);
                assertEquals(expected[bestIds[j]], top.get(j).logprob(), 1e-12, "rank " + j);
                if (j > 0) {
                    assertTrue(top.get(j - 1).logprob() >= top.get(j).logprob(), "sorted at rank " + j);
                }
            }
        }
    }

    @Test
    void fullVocabularyIsAProbabilityDistribution() {
        float[] logits = {2f, -1f, 0.5f, 30f, -40f};
        List<Candidate> all = Logprobs.top(logits, 0, 5, 10); // k above vocab: every id once
        assertEquals(5, all.size());
        assertEquals(List.of(3, 0, 2, 1, 4), all.stream().map(Candidate::id).toList());
        double total = all.stream().mapToDouble(t -> Math.exp(t.logprob())).sum();
        assertEquals(1.0, total, 1e-12);
        assertTrue(all.stream().allMatch(t -> t.logprob() <= 0 && Double.isFinite(t.logprob())),
                "large logits must not overflow");
    }

    @Test
    void tiesKeepIdOrder() {
        float[] logits = {1f, 5f, 1f, 5f, 5f, 0f};
        List<Candidate> top = Logprobs.top(logits, 0, 6, 4);
        assertEquals(List.of(1, 3, 4, 0), top.stream().map(Candidate::id).toList());
        assertEquals(top.get(0).logprob(), top.get(2).logprob(), 0.0);
        // A tie at the cut-off: the lower id keeps the last place.
        float[] boundary = {5f, 1f, 5f, 1f, 0f};
        assertEquals(List.of(0, 2, 1), Logprobs.top(boundary, 0, 5, 3).stream().map(Candidate::id).toList());
    }
}
