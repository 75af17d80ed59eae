package dev.klotski.engine.plan;

import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.offload.RoutingShape;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * How many experts a pass of g tokens uses in each MoE layer, and how many of those a tier already holds. A token
 * chooses expert e with chance q_e (top-k of E: q_e = k/E under near-uniform routing, or k times its share of
 * a routing profile's choices), so g tokens use e with chance 1 - (1 - q_e)^g and E(1 - (1 - k/E)^g) experts
 * on average when routing is uniform.
 */
final class ExpertDemand {
    private final double[][] chance; // (MoE layer i, rank) chance one token chooses the expert, highest first
    private final int[][] ids;       // (MoE layer i, rank) which expert
    private final boolean profiled;

    private ExpertDemand(double[][] chance, int[][] ids, boolean profiled) {
        this.chance = chance;
        this.ids = ids;
        this.profiled = profiled;
    }

    /** From the profile's popularity when given (refused when of another shape), else uniform. */
    static ExpertDemand of(ModelShape m, RoutingProfile routing) {
        int moe = m.moeLayerCount();
        double[][] chance = new double[moe][];
        int[][] ids = new int[moe][];
        if (routing != null) {
            routing.requireShape(new RoutingShape(m.layers(), m.experts(), m.topK()));
        }
        for (int i = 0; i < moe; i++) {
            int layer = m.moeLayers().get(i);
            double[] q = new double[m.experts()];
            boolean seen = routing != null && routing.counts().tokens(layer) > 0;
            for (int e = 0; e < q.length; e++) {
                q[e] = seen ? Math.min(1, m.topK() * routing.counts().popularity(layer, e))
                        : (double) m.topK() / m.experts();
            }
            ids[i] = IntStream.range(0, q.length).boxed().sorted(Comparator.comparingDouble((Integer e) -> -q[e])
                    .thenComparingInt(e -> e)).mapToInt(Integer::intValue).toArray();
            chance[i] = Arrays.stream(ids[i]).mapToDouble(e -> q[e]).toArray();
        }
        return new ExpertDemand(chance, ids, routing != null);
    }

    boolean profiled() {
        return profiled;
    }

    /** The {@code count} hottest experts of MoE layer i. */
    int[] hottest(int i, int count) {
        return Arrays.copyOf(ids[i], count);
    }

    /** Share of the layer's choices that go to its {@code count} hottest experts. */
    double share(int i, int count) {
        double k = Arrays.stream(chance[i]).sum();
        return Arrays.stream(chance[i], 0, count).sum() / k;
    }

    /** Expected distinct experts {@code g} tokens use in MoE layer i. */
    double used(int i, double g) {
        double u = 0;
        for (double q : chance[i]) {
            u += usedChance(q, g);
        }
        return u;
    }

    /**
     * Expected experts of those that are already in a tier of {@code slots} per layer whose {@code pins} slots hold
     * the hottest experts and whose other slots hold any of the rest (an LRU tier under this routing).
     */
    double hits(int i, double g, int slots, int pins) {
        double[] q = chance[i];
        if (slots >= q.length) {
            return used(i, g);
        }
        double pinned = 0;
        double rest = 0;
        for (int r = 0; r < q.length; r++) {
            if (r < pins) {
                pinned += usedChance(q[r], g);
            } else {
                rest += usedChance(q[r], g);
            }
        }
        return pinned + rest * (slots - pins) / (q.length - pins);
    }

    /** 1 - (1 - q)^g, the chance that some of g tokens choose an expert each chooses with chance q. */
    private static double usedChance(double q, double g) {
        return q >= 1 ? 1 : -Math.expm1(g * Math.log1p(-q));
    }
}
