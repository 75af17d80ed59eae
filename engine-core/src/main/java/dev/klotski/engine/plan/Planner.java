package dev.klotski.engine.plan;

import dev.klotski.engine.offload.OffloadFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Klotski's constraint-sensitive planner (paper §5) for this engine: searches batch size b and group size n
 * (batches advancing through each layer together, sharing its expert loads), predicting every candidate's
 * throughput with {@link CostModel} under the memory for KV and activations, and keeps the smallest n whose
 * prediction is within 5% of the fastest: larger n adds little and inflates KV. Pure arithmetic, no I/O.
 */
public final class Planner {
    /** Within this share of the fastest candidate's throughput, the smallest group wins. */
    static final double CLOSE = 0.05;
    /** Most batches per group tried. */
    static final int MAX_GROUP = 256;
    /** Largest batch size tried when the workload leaves it open. */
    static final int MAX_BATCH = 1024;

    private Planner() {
    }

    public static Plan plan(PlanInputs in) {
        ModelShape m = in.model();
        Workload w = in.workload();
        ExpertDemand demand = ExpertDemand.of(m, in.routing());
        List<Candidate> all = new ArrayList<>();
        IllegalArgumentException tooSmall = null;
        for (double share : POOL_SHARES) {
            Residency r;
            try {
                r = Residency.of(m, in.deviceBudgetBytes(), in.hostBudgetBytes(), demand, share);
            } catch (IllegalArgumentException e) { // below what per-layer slots need: only a pool can run it
                tooSmall = tooSmall == null ? e : tooSmall;
                continue;
            }
            all.addAll(candidates(in, demand, r));
        }
        if (all.isEmpty()) {
            throw tooSmall;
        }
        List<Candidate> fitting = all.stream().filter(Candidate::fits).toList();
        if (fitting.isEmpty()) {
            throw new IllegalArgumentException(noneFits(m, w, new MemoryModel(m, w), in.kvMemoryBytes()));
        }
        Candidate fastest = fitting.stream().max(Comparator.comparingDouble(Candidate::tokensPerSecond)).orElseThrow();
        Candidate chosen = fitting.stream()
                .filter(c -> c.tokensPerSecond() >= (1 - CLOSE) * fastest.tokensPerSecond())
                .min(Comparator.comparingInt(Candidate::n)
                        .thenComparing(Comparator.comparingDouble(Candidate::tokensPerSecond).reversed()))
                .orElseThrow();
        Residency residency = chosen.residency();
        List<Candidate> sameBatch = all.stream()
                .filter(c -> c.b() == chosen.b() && c.residency().poolShare() == residency.poolShare()).toList();
        List<Candidate> samePoint = all.stream().filter(c -> c.b() == chosen.b() && c.n() == chosen.n()).toList();
        PlanReasons reasons = new PlanReasons(in, residency, demand, chosen, fastest, sameBatch, batchSizes(w),
                samePoint);
        return plan(in, residency, demand, chosen, reasons);
    }

    /** Every (n, b) the search weighs, fitting the memory or not. */
    /** Shares of the compute tier the planner weighs lending as a pool (the rest: per-layer slots). */
    static final double[] POOL_SHARES = {0, 0.25, 0.5, 0.75};

    static List<Candidate> candidates(PlanInputs in, ExpertDemand demand, Residency residency) {
        Workload w = in.workload();
        CostModel cost = new CostModel(in, demand, residency);
        MemoryModel memory = new MemoryModel(in.model(), w);
        List<Candidate> all = new ArrayList<>();
        for (int b : batchSizes(w)) {
            for (int n = 1; n <= maxGroup(w, b); n++) {
                all.add(Candidate.of(n, b, in.kvMemoryBytes(), memory, cost, w));
            }
        }
        return all;
    }

    /** As {@link #candidates(PlanInputs, ExpertDemand, Residency)}, with the demand and residency the inputs imply. */
    static List<Candidate> candidates(PlanInputs in) {
        ExpertDemand demand = ExpertDemand.of(in.model(), in.routing());
        return candidates(in, demand, Residency.of(in.model(), in.deviceBudgetBytes(), in.hostBudgetBytes(), demand));
    }

    private static Plan plan(PlanInputs in, Residency r, ExpertDemand demand, Candidate c, PlanReasons reasons) {
        ModelShape m = in.model();
        Prediction p = c.prediction();
        Map<Integer, List<Integer>> pins = new LinkedHashMap<>();
        for (int i = 0; i < m.moeLayerCount(); i++) {
            if (r.pins()[i] > 0) {
                pins.put(m.moeLayers().get(i), Arrays.stream(demand.hottest(i, r.pins()[i])).boxed().toList());
            }
        }
        CostModel.Pass step = p.decodeStep();
        return new Plan(c.n(), c.b(), c.prediction().passTokens(), r.depth(), pins, Plan.KV_HOST,
                Arrays.stream(r.slots()).boxed().toList(), r.pool(), r.poolShare(), p.tokensPerSecond(), p.prefillTokensPerSecond(),
                p.decodeTokensPerSecond(), step.seconds(), p.prefillPass().seconds(), p.bubbleFraction(),
                step.usedPerLayer(), step.loadsPerLayer(), step.ioPerLayer(),
                step.attentionPerLayer() + step.expertsPerLayer(), c.kvBytes(), c.activationBytes(), in.kvMemoryBytes(),
                reasons.equationsHoldFrom(), holding(step), reasons.lines());
    }

    /** Which of Eqs. 4-7 a decode step meets (4 always: gate weights are resident). */
    private static List<Integer> holding(CostModel.Pass step) {
        List<Integer> out = new ArrayList<>(List.of(4));
        if (step.eq5()) {
            out.add(5);
        }
        if (step.eq6()) {
            out.add(6);
        }
        if (step.eq7()) {
            out.add(7);
        }
        return out;
    }

    /** b itself when given; else 1, 2 and multiples of 4 (as Klotski), stepping wider past 64, up to the prompts. */
    static List<Integer> batchSizes(Workload w) {
        if (w.batchSize() != null) {
            return List.of(w.batchSize());
        }
        TreeSet<Integer> sizes = new TreeSet<>(List.of(1, 2));
        for (int b = 4; b <= Math.min(MAX_BATCH, w.prompts()); b += b < 64 ? 4 : b / 4 / 4 * 4) {
            sizes.add(b);
        }
        sizes.add(Math.min(MAX_BATCH, w.prompts()));
        return List.copyOf(sizes.headSet(Math.min(MAX_BATCH, w.prompts()), true));
    }

    /** Batches per group worth trying: no more than the prompts fill. */
    static int maxGroup(Workload w, int b) {
        return (int) Math.min(MAX_GROUP, (w.prompts() + (long) b - 1) / b);
    }

    private static String noneFits(ModelShape m, Workload w, MemoryModel memory, long memoryBytes) {
        return String.format(Locale.ROOT, "the KV memory %s cannot hold one sequence: its KV caches "
                        + "(%d positions) take %s and one prefill token's activations %s — give more memory "
                        + "(--kv-memory, -Xmx), or plan shorter prompts or fewer new tokens",
                OffloadFactory.human(memoryBytes), w.positions(m.contextLength()),
                OffloadFactory.human(memory.kv(1)),
                OffloadFactory.human(memory.prefillActivations(1, 1)));
    }
}
