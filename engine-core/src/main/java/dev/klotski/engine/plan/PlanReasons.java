package dev.klotski.engine.plan;

import dev.klotski.engine.offload.OffloadFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The one-line reason for each of a plan's choices, from the candidates the search weighed. */
final class PlanReasons {
    private final PlanInputs in;
    private final ModelShape m;
    private final Residency residency;
    private final List<Candidate> samePoint; // the chosen n and b under every pool share weighed
    private final ExpertDemand demand;
    private final Candidate chosen;
    private final Candidate fastest;
    private final List<Candidate> sameBatch; // every n tried at the chosen b, fitting or not, by n
    private final List<Integer> batchSizes;

    PlanReasons(PlanInputs in, Residency residency, ExpertDemand demand, Candidate chosen, Candidate fastest,
                List<Candidate> sameBatch, List<Integer> batchSizes, List<Candidate> samePoint) {
        this.in = in;
        this.m = in.model();
        this.residency = residency;
        this.demand = demand;
        this.chosen = chosen;
        this.fastest = fastest;
        this.sameBatch = sameBatch;
        this.batchSizes = batchSizes;
        this.samePoint = samePoint;
    }

    /** Smallest n at the chosen b whose decode step meets Eqs. 4-7 in every MoE layer; 0 when none tried does. */
    int equationsHoldFrom() {
        return sameBatch.stream().filter(c -> c.prediction().decodeStep().overlaps()).mapToInt(Candidate::n).min()
                .orElse(0);
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(groupReason());
        out.add(batchReason());
        out.add(passReason());
        out.add(prefetchReason());
        out.add(pinReason());
        out.add(tierReason());
        out.add(poolReason());
        out.add(String.format(Locale.ROOT, "KV: host memory, always on the CPU backend (its compute tier is host RAM): "
                        + "%s for %d sequences of %d positions, plus %s of activations, of %s",
                human(chosen.kvBytes()), Math.min(chosen.n() * chosen.b(), in.workload().prompts()),
                in.workload().positions(m.contextLength()), human(chosen.activationBytes()),
                human(in.kvMemoryBytes())));
        Prediction p = chosen.prediction();
        out.add(String.format(Locale.ROOT, "predicted: %.2f tokens/s = %d x %d generated tokens / (%.2f s prefill + "
                        + "%.2f s decode), bubbles %.1f%% of the time",
                p.tokensPerSecond(), in.workload().prompts(), in.workload().newTokens(), p.prefillSeconds(),
                p.decodeSeconds(), 100 * p.bubbleFraction()));
        return out;
    }

    /** Why this share of the slots streams through the pool, with the alternatives' predictions. */
    private String poolReason() {
        if (residency.allResident(m)) {
            return "pool: none, every expert is resident";
        }
        StringBuilder alternatives = new StringBuilder();
        for (Candidate c : samePoint) {
            if (c != chosen && c.fits()) {
                alternatives.append(String.format(Locale.ROOT, "%s share %.2f %.2f tokens/s",
                        alternatives.length() == 0 ? "" : ",", c.residency().poolShare(), c.tokensPerSecond()));
            }
        }
        return String.format(Locale.ROOT, "pool: %d of the slots (share %.2f) go to whichever layer is loading, so loads "
                        + "run up to a layer ahead of compute; the layers keep %s of their own for hits%s",
                residency.pool(), residency.poolShare(), ownSlots(),
                alternatives.length() == 0 ? "" : " (at this n and b:" + alternatives + ")");
    }

    private String groupReason() {
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT, "n = %d: ", chosen.n()));
        if (fastest == chosen) {
            r.append("the fastest prediction");
        } else {
            r.append(String.format(Locale.ROOT, "the smallest group within %.0f%% of the fastest (n = %d%s predicts "
                            + "only %.1f%% more, with %.1fx the KV)", 100 * Planner.CLOSE, fastest.n(),
                    fastest.b() == chosen.b() ? "" : " with b = " + fastest.b(), percentMore(fastest),
                    (double) fastest.kvBytes() / chosen.kvBytes()));
        }
        r.append("; ").append(overlapClause());
        int mostFitting = sameBatch.stream().filter(Candidate::fits).mapToInt(Candidate::n).max().orElse(chosen.n());
        Candidate unconstrained = sameBatch.stream().max(Comparator.comparingDouble(Candidate::tokensPerSecond))
                .orElseThrow();
        if (unconstrained.n() > mostFitting) {
            Candidate over = sameBatch.get(mostFitting); // n = mostFitting + 1 (the list is n = 1, 2, ...)
            r.append(String.format(Locale.ROOT, "; the KV memory holds at most n = %d: n = %d would need %s of KV + at "
                            + "least %s of activations, over the %s given, and without that limit n = %d would "
                            + "predict %.1f%% more",
                    mostFitting, over.n(), human(over.kvBytes()), human(over.activationBytes()),
                    human(in.kvMemoryBytes()), unconstrained.n(), percentMore(unconstrained)));
        }
        return r.toString();
    }

    /** What overlapping the loads takes: the smallest n meeting Eqs. 5-7, and the I/O it hides. */
    private String overlapClause() {
        int from = equationsHoldFrom();
        if (chosen.prediction().decodeStep().loadsPerLayer() < 1e-9) {
            return "nothing to load (every expert a step uses is resident), so no group is needed to hide I/O";
        }
        if (from > 0) {
            CostModel.Pass s = sameBatch.get(from - 1).prediction().decodeStep();
            return String.format(Locale.ROOT, "I/O per layer %s (%.1f loads) at n = %d is hidden by %d batch%s of "
                            + "compute (Eqs. 5-7 hold from n = %d; attention and gate %s per batch)",
                    ms(s.ioPerLayer()), s.loadsPerLayer(), from, from, from == 1 ? "" : "es", from,
                    ms(s.attentionPerLayer() / from));
        }
        Candidate last = sameBatch.get(sameBatch.size() - 1);
        CostModel.Pass s = last.prediction().decodeStep();
        return String.format(Locale.ROOT, "I/O-bound: Eqs. 5-7 hold for no n up to %d (there, I/O per layer %s vs "
                + "compute %s)", last.n(), ms(s.ioPerLayer()), ms(s.attentionPerLayer() + s.expertsPerLayer()));
    }

    private String batchReason() {
        if (in.workload().batchSize() != null) {
            return "b = " + chosen.b() + ": as requested";
        }
        return String.format(Locale.ROOT, "b = %d: the fastest batch size at n = %d within the memory (tried %s)",
                chosen.b(), chosen.n(), batchSizes.stream().map(String::valueOf).collect(Collectors.joining(", ")));
    }

    private String passReason() {
        Workload w = in.workload();
        int sequences = Math.min(chosen.n() * chosen.b(), w.prompts());
        long tokens = (long) sequences * w.promptTokens();
        int pass = chosen.prediction().passTokens();
        String fill = pass >= tokens ? String.format(Locale.ROOT, "the group's %d x %d prompt tokens in one pass",
                sequences, w.promptTokens())
                : String.format(Locale.ROOT, "the group's %d x %d prompt tokens in %d passes, capped by the memory "
                + "left after KV", sequences, w.promptTokens(), (tokens + pass - 1) / pass);
        return String.format(Locale.ROOT, "prefill passes of %d tokens: %s; a pass loads each missing expert once for "
                + "all its tokens, so larger passes load less per token (%s of activations)", pass, fill,
                human(chosen.activationBytes()));
    }

    private String prefetchReason() {
        if (residency.depth() == 0) {
            return "K = 0: every expert is resident; nothing to prefetch";
        }
        return String.format(Locale.ROOT, "K = %d (top-k, Klotski's default): the experts predicted hot for the next "
                + "layer load while its attention runs (Eq. 5); the model counts them as used, as Klotski measured for "
                + "a group", residency.depth());
    }

    private String pinReason() {
        if (residency.allResident(m)) {
            return "pins: none needed, every expert is resident";
        }
        if (!demand.profiled()) {
            return "pins: none (no routing profile: routing is taken as near-uniform, where no expert is worth more "
                    + "than another; give one with --routing-profile)";
        }
        int pins = residency.pins()[0];
        return String.format(Locale.ROOT, "pins: each layer's hottest experts in the profile (%d in the first MoE "
                        + "layer, of %d slots, taking %.0f%% of its choices); the other slots load on demand",
                pins, residency.slots()[0], 100 * demand.share(0, pins));
    }

    private String tierReason() {
        HardwareProfile p = in.profile();
        String storage = String.format(Locale.ROOT, "%s (%s)",
                HardwareProfile.rate(p.diskBytesPerSecond(in.directIo())),
                in.directIo() && p.diskDirectBytesPerSecond() > 0 ? "O_DIRECT" : "buffered");
        String loads = residency.allResident(m) ? "storage is never read"
                : residency.hostTier() ? String.format(Locale.ROOT, "the host tier serves %.0f%% of loads at %s, "
                        + "storage the rest at %s", 100 * residency.hostShare()[0],
                        HardwareProfile.rate(p.hostCopyBytesPerSecond()), storage)
                : "loads come from storage at " + storage;
        return String.format(Locale.ROOT, "experts: %s of %d per MoE layer in the compute tier%s (a %s budget, %s per "
                + "expert); %s", ownSlots(), m.experts(), residency.pool() > 0 ? " plus a pool of " + residency.pool()
                : "", human(in.deviceBudgetBytes()), human(m.expertBytes()), loads);
    }

    /** The layers' own slot counts, "2 or 1" when they differ. */
    private String ownSlots() {
        return java.util.Arrays.stream(residency.slots()).distinct().mapToObj(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" or "));
    }

    /** How much more throughput {@code c} predicts than the chosen plan, in percent. */
    private double percentMore(Candidate c) {
        return 100 * (c.tokensPerSecond() / chosen.tokensPerSecond() - 1);
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
    }

    private static String human(long bytes) {
        return OffloadFactory.human(bytes);
    }
}
