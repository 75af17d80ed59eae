package dev.klotski.engine.plan;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.Workspace;
import dev.klotski.engine.tensor.Buffer;
import java.util.List;

/**
 * One expert's feed-forward ({@link ExpertFfn#apply}, the call the MoE layer makes) timed at several token
 * counts and fitted as a line: the fixed part is streaming its weights once, the slope the work per token.
 */
final class FfnProbe {
    private FfnProbe() {
    }

    static LinearFit fit(Kernels kernels, Workspace ws, ExpertFfn expert, List<Integer> tokens, Stopwatch watch) {
        int hidden = expert.gate().cols();
        int most = tokens.stream().mapToInt(Integer::intValue).max().orElseThrow();
        ws.ensure(most, 1, 1);
        Buffer x = kernels.allocate(most * hidden);   // (most, hidden); zeros time like any values
        Buffer out = kernels.allocate(most * hidden); // (most, hidden)
        int[] t = tokens.stream().mapToInt(Integer::intValue).toArray();
        double[] seconds = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            int rows = t[i];
            seconds[i] = watch.fastest(() -> expert.apply(kernels, ws, x, rows, out));
        }
        return LinearFit.fit(t, seconds);
    }
}
