package dev.klotski.engine.plan;

import java.util.HashMap;
import java.util.Map;

/**
 * Predicted time of passes and of a whole workload, from a hardware profile, under one residency. A pass of a
 * group runs every layer in turn; a MoE layer as {@link LayerTimeline}; a layer without experts is its dense
 * part only. The profile's dense time is for a whole pass and is shared equally among the layers.
 */
final class CostModel {
    private final ModelShape m;
    private final HardwareProfile p;
    private final Workload w;
    private final LinearFit ffn;
    private final ExpertDemand demand;
    private final Residency residency;
    private final double[] perLoad;                               // (MoE layer i) seconds to bring one expert in
    private final Map<Double, double[][]> demandByTokens = new HashMap<>(); // tokens -> {used, hits} per MoE layer

    CostModel(PlanInputs in, ExpertDemand demand, Residency residency) {
        this.m = in.model();
        this.p = in.profile();
        this.w = in.workload();
        this.ffn = p.ffn(m.expertFormat());
        this.demand = demand;
        this.residency = residency;
        double disk = m.expertBytes() / p.diskBytesPerSecond(in.directIo());
        double host = m.expertBytes() / p.hostCopyBytesPerSecond();
        this.perLoad = new double[m.moeLayerCount()];
        for (int i = 0; i < perLoad.length; i++) {
            perLoad[i] = residency.hostShare()[i] * host + (1 - residency.hostShare()[i]) * disk;
        }
    }

    /**
     * Predicted experts that can load while attention runs: K, but only into slots that hold nothing the pass
     * needs (a guess never evicts a hit), so with per-layer slots full of experts the group uses, none.
     */
    private double hotDepth(int usable, double hits) {
        return Math.min(residency.depth(), Math.max(0, usable - hits));
    }

    Residency residency() {
        return residency;
    }

    /** A pass's figures: totals over its layers, and per-MoE-layer averages for reports. */
    record Pass(double seconds, double compute, double bubble, double usedPerLayer, double loadsPerLayer,
                double ioPerLayer, double attentionPerLayer, double expertsPerLayer, boolean eq5, boolean eq6,
                boolean eq7) {

        /** Eqs. 4 to 7 hold in every MoE layer (Eq. 4 always does: gate weights are resident). */
        boolean overlaps() {
            return eq5 && eq6 && eq7;
        }
    }

    /**
     * One pass of a group: {@code batches} batches of {@code perBatch} tokens, each token attending to
     * {@code positions} earlier positions on average, their experts run together; logits for {@code rows} rows.
     */
    Pass pass(double batches, double perBatch, double positions, double rows) {
        double tokens = batches * perBatch;
        double attention = batches * p.dense().seconds(perBatch, perBatch * positions) / m.layers();
        double[][] uh = demandAt(tokens);
        double seconds = (m.layers() - m.moeLayerCount()) * attention;
        double compute = seconds;
        double bubble = 0;
        double usedSum = 0;
        double loads = 0;
        double io = 0;
        double experts = 0;
        boolean eq5 = true;
        boolean eq6 = true;
        boolean eq7 = true;
        for (int i = 0; i < perLoad.length; i++) {
            double used = uh[0][i];
            double perExpert = ffn.seconds(tokens * m.topK() / used);
            int usable = residency.slots()[i] + residency.pool(); // slots this layer's loads can go to at once
            LayerTimeline t = usable >= 2
                    ? LayerTimeline.of(attention, used, uh[1][i], perExpert, perLoad[i], hotDepth(usable, uh[1][i]))
                    : LayerTimeline.serial(attention, used, uh[1][i], perExpert, perLoad[i]);
            seconds += t.seconds();
            compute += t.compute();
            bubble += t.bubble();
            usedSum += used;
            loads += t.loads();
            io += t.io();
            experts += used * perExpert;
            eq5 &= t.eq5();
            eq6 &= t.eq6();
            eq7 &= t.eq7();
        }
        if (residency.pool() > 0 && perLoad.length > 0 && loads > 0) {
            // Loads stream through the pool a layer ahead of compute: the pass is bound by the slower stream, plus
            // the first layer's first load (nothing predicts it before its gate) and the last expert's compute.
            // A pool smaller than a layer's loads lets only that share of them run ahead.
            double first = uh[1][0] < uh[0][0] ? perLoad[0] : 0;
            double last = ffn.seconds(tokens * m.topK() / uh[0][perLoad.length - 1]);
            double piped = Math.max(compute + first, attention + io + last);
            double ahead = Math.min(1, residency.pool() / (loads / perLoad.length));
            seconds = ahead * Math.min(seconds, piped) + (1 - ahead) * seconds;
            bubble = seconds - compute;
        }
        double lm = rows * p.lmHeadSecondsPerRow();
        int moe = perLoad.length;
        return new Pass(seconds + lm, compute + lm, bubble, usedSum / moe, loads / moe, io / moe, attention,
                experts / moe, eq5, eq6, eq7);
    }

    /** A decode step of a group of n batches of b sequences (positions averaged over the steps). */
    Pass decodeStep(double batches, double perBatch) {
        double positions = w.promptTokens() + Math.max(0, w.newTokens() - 2) / 2.0;
        return pass(batches, perBatch, positions, batches * perBatch);
    }

    /** A prefill pass of {@code tokens} prompt tokens (positions averaged over a prompt; logits once per prompt). */
    Pass prefillPass(double tokens) {
        return pass(1, tokens, (w.promptTokens() - 1) / 2.0, tokens / w.promptTokens());
    }

    /** The whole workload, in groups of n batches of b sequences, prefilled in passes of at most passTokens tokens. */
    Prediction predict(int n, int b, int passTokens) {
        int group = n * b;
        int full = w.prompts() / group;
        int rest = w.prompts() % group;
        Prediction.Sum sum = new Prediction.Sum();
        sum.add(groupOf(group, b, passTokens), full);
        if (rest > 0) {
            sum.add(groupOf(rest, b, passTokens), 1);
        }
        int inFlight = Math.min(group, w.prompts()); // a batch larger than the prompts is only partly filled
        int batches = (inFlight + b - 1) / b;
        return new Prediction(n, b, passTokens, sum.prefill, sum.decode, sum.bubble,
                decodeStep(batches, (double) inFlight / batches),
                prefillPass(Math.min(passTokens, (double) inFlight * w.promptTokens())), w);
    }

    /** Prefill and decode of one group of {@code sequences}: {prefill, decode, bubble} seconds. */
    private double[] groupOf(int sequences, int b, int passTokens) {
        double tokens = (double) sequences * w.promptTokens();
        long passes = (long) Math.floor(tokens / passTokens);
        double rest = tokens - passes * (double) passTokens;
        Pass fullPass = prefillPass(passTokens);
        double prefill = passes * fullPass.seconds();
        double bubble = passes * fullPass.bubble();
        if (rest > 0) {
            Pass last = prefillPass(rest);
            prefill += last.seconds();
            bubble += last.bubble();
        }
        int batches = (sequences + b - 1) / b;
        Pass step = decodeStep(batches, (double) sequences / batches);
        int steps = w.newTokens() - 1; // the first new token comes from the prefill's logits
        return new double[] {prefill, steps * step.seconds(), bubble + steps * step.bubble()};
    }

    /** {used, hits} per MoE layer for a pass of this many tokens (cached: the search asks for the same often). */
    private double[][] demandAt(double tokens) {
        return demandByTokens.computeIfAbsent(tokens, g -> {
            int moe = perLoad.length;
            double[][] out = new double[2][moe];
            for (int i = 0; i < moe; i++) {
                out[0][i] = demand.used(i, g);
                out[1][i] = demand.hits(i, g, residency.slots()[i], residency.pins()[i]);
            }
            return out;
        });
    }
}
