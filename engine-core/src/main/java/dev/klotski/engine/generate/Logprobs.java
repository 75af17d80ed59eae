package dev.klotski.engine.generate;

import java.util.ArrayList;
import java.util.List;

/** Natural-log softmax probabilities of the best candidates of one logits row, computed in double. */
final class Logprobs {
    private Logprobs() {
    }

    static List<Candidate> top(float[] logits, int offset, int vocab, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        double logNorm = max + Math.log(sum);
        int n = Math.min(k, vocab);
        int[] best = new int[n];
        int filled = 0;
        for (int i = 0; i < vocab; i++) { // insertion into a small sorted list: k is tiny
            float v = logits[offset + i];
            if (filled < n || v > logits[offset + best[filled - 1]]) {
                int pos = Math.min(filled, n - 1);
                while (pos > 0 && logits[offset + best[pos - 1]] < v) {
                    best[pos] = best[pos - 1];
                    pos--;
                }
                best[pos] = i;
                filled = Math.min(filled + 1, n);
            }
        }
        List<Candidate> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Candidate(best[i], logits[offset + best[i]] - logNorm));
        }
        return out;
    }
}
