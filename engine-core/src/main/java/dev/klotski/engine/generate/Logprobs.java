package dev.klotski.engine.generate;

import java.util.ArrayList;
import java.util.List;

/** Natural-log softmax probabilities of the best candidates of one logits row, computed in double. */
final class Logprobs {
    private Logprobs() {
    }

    static List<Candidate> top(float[] logits, int offset, int vocab, int k) {
        double logNorm = logSumExp(logits, offset, vocab);
        int[] best = bestIds(logits, offset, vocab, Math.min(k, vocab));
        List<Candidate> out = new ArrayList<>(best.length);
        for (int id : best) {
            out.add(new Candidate(id, logits[offset + id] - logNorm));
        }
        return out;
    }

    /** log Σ exp(x[i]) over x[offset .. offset+n), in double, shifted by the max. */
    static double logSumExp(float[] x, int offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** Indices of the k largest values, best first, ties to the lower index (k is tiny: insertion sort). */
    static int[] bestIds(float[] x, int offset, int n, int k) {
        int[] best = new int[k];
        int filled = 0;
        for (int i = 0; i < n; i++) {
            float v = x[offset + i];
            if (filled < k || v > x[offset + best[filled - 1]]) {
                int pos = Math.min(filled, k - 1);
                while (pos > 0 && x[offset + best[pos - 1]] < v) {
                    best[pos] = best[pos - 1];
                    pos--;
                }
                best[pos] = i;
                filled = Math.min(filled + 1, k);
            }
        }
        return best;
    }
}
