package dev.klotski.engine.plan;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.List;

/**
 * The LM head as a pass runs it for its rows of logits: the matmul against the (vocab, hidden) head in its
 * stored format, and the download of the logits to host memory for sampling. Timed at several row counts and
 * fitted as a line; the slope is the cost of one more row.
 */
final class LmHeadProbe {
    private LmHeadProbe() {
    }

    static LinearFit fit(Kernels kernels, WeightMatrix lmHead, List<Integer> rows, Stopwatch watch) {
        int vocab = lmHead.rows();
        int most = rows.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Buffer x = kernels.allocate(most * lmHead.cols()); // (most, hidden)
        Buffer logits = kernels.allocate(most * vocab);   // (most, vocab)
        float[] host = new float[most * vocab];
        int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
        double[] seconds = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            int n = r[i];
            seconds[i] = watch.fastest(() -> {
                kernels.matmul(x, n, lmHead, logits);
                kernels.download(logits, 0, host, 0, n * vocab);
            });
        }
        return LinearFit.fit(r, seconds);
    }
}
