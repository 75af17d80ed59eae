package dev.klotski.engine.plan;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.ForwardBatch;
import dev.klotski.engine.model.layers.Workspace;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole forward passes of the model (experts served by {@link TimedExpertSource}), with the experts' share taken
 * out: what is left is attention, norms, routers, embeddings and dense feed-forwards, the part of a pass that
 * stays resident. Two shapes of pass: decode-like (one token per sequence at position 0, so attention sees only
 * itself), and one sequence continuing after {@code context} earlier positions (caches hold zeros; attention
 * costs the same whatever the values), which prices attention's growth with context. Each pass asks logits for
 * one row, whose LM head cost ({@link LmHeadProbe}'s slope) is taken out too; the head's fixed cost stays.
 */
final class PassProbe {
    private final MoeModel model;
    private final Kernels kernels;
    private final TimedExpertSource experts;
    private final Workspace ws;
    private final Stopwatch watch;

    PassProbe(MoeModel model, Kernels kernels, TimedExpertSource experts, Stopwatch watch) {
        this.model = model;
        this.kernels = kernels;
        this.experts = experts;
        this.ws = model.newWorkspace(kernels);
        this.watch = watch;
    }

    /** The dense fit, given the LM head's seconds per row of logits. */
    DenseFit measure(List<Integer> passTokens, int context, double lmRow) {
        List<double[]> points = new ArrayList<>(); // (tokens, positions, seconds)
        for (int t : passTokens) {
            points.add(new double[] {t, 0, seconds(decode(t)) - lmRow});
        }
        List<Integer> sorted = passTokens.stream().sorted().toList();
        for (int t : sorted.subList(sorted.size() - 2, sorted.size())) { // the two largest: attention dominates least
            int start = Math.max(0, Math.min(context, model.config().contextLength() - t));
            double positions = (double) t * start + (double) t * (t - 1) / 2;
            points.add(new double[] {t, positions, seconds(continuation(t, start)) - lmRow});
        }
        double[] tokens = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] positions = points.stream().mapToDouble(p -> p[1]).toArray();
        double[] seconds = points.stream().mapToDouble(p -> Math.max(0, p[2])).toArray();
        return DenseFit.fit(tokens, positions, seconds);
    }

    /** The fastest time of the pass without its experts' leases. */
    private double seconds(ForwardBatch batch) {
        return watch.fastest(() -> {
            experts.takeLeasedNanos();
            long start = System.nanoTime();
            model.forward(kernels, ws, batch);
            long total = System.nanoTime() - start;
            return Math.max(0, total - experts.takeLeasedNanos());
        });
    }

    /** {@code t} sequences of one token each at position 0; logits for the first. */
    private ForwardBatch decode(int t) {
        ModelConfig c = model.config();
        int[] ids = new int[t];
        int[] positions = new int[t];
        int[] sequence = new int[t];
        KvCache[] caches = new KvCache[t];
        for (int i = 0; i < t; i++) {
            ids[i] = token(i);
            sequence[i] = i;
            caches[i] = new KvCache(kernels, c.layers(), c.kvDim(), c.contextLength(), 1);
        }
        return new ForwardBatch(ids, positions, sequence, caches, new int[] {0});
    }

    /** One sequence of {@code t} tokens at positions start..start+t-1, logits for its last row. */
    private ForwardBatch continuation(int t, int start) {
        ModelConfig c = model.config();
        KvCache cache = new KvCache(kernels, c.layers(), c.kvDim(), c.contextLength(), start + t);
        int[] ids = new int[t];
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = token(i);
            positions[i] = start + i;
        }
        return new ForwardBatch(ids, positions, new int[t], new KvCache[] {cache}, new int[] {t - 1});
    }

    /** Some token id inside the vocabulary; which one does not change the time. */
    private int token(int i) {
        return (int) ((i * 7919L + 13) % model.config().vocabSize());
    }
}
