package dev.klotski.engine.offload.replay;

import dev.klotski.engine.offload.RoutingShape;
import java.util.List;

/**
 * The figures of one replay. Rates are over all layers: hit rate is hits over needed experts; loads per token
 * are expert loads (misses plus prefetches) per token per layer; precision and recall are the prefetcher's
 * predictions scored as {@link dev.klotski.engine.offload.PrefetchScore} does; Belady's hit rate is the optimal
 * offline demand cache at round(F x experts) slots per layer ({@code beladySameQuotasHitRate} at the policy's own
 * split, where that differs).
 */
public record ReplayResult(
        RoutingShape shape,
        int tokens,
        int steps,
        int requests,
        int groupRows,
        int slotsPerLayer,
        String policy,
        String prefetch,
        double prefetchPrecision,
        double prefetchRecall,
        List<LayerFigures> layers,
        long beladyHits,           // at slotsPerLayer in every layer
        long beladySameQuotasHits, // at the policy's quotas; equal to beladyHits when those are even
        boolean evenQuotas) {

    public long lookups() {
        return layers.stream().mapToLong(LayerFigures::lookups).sum();
    }

    public long hits() {
        return layers.stream().mapToLong(LayerFigures::hits).sum();
    }

    public double hitRate() {
        return LayerFigures.ratio(hits(), lookups());
    }

    public double demandLoadsPerToken() {
        return perTokenLayer(layers.stream().mapToLong(LayerFigures::demandLoads).sum());
    }

    public double prefetchLoadsPerToken() {
        return perTokenLayer(layers.stream().mapToLong(LayerFigures::prefetchLoads).sum());
    }

    public double loadsPerToken() {
        return demandLoadsPerToken() + prefetchLoadsPerToken();
    }

    /** Share of prefetch loads that the same step then needed. */
    public double usefulPrefetchShare() {
        return LayerFigures.ratio(layers.stream().mapToLong(LayerFigures::usefulPrefetches).sum(),
                layers.stream().mapToLong(LayerFigures::prefetchLoads).sum());
    }

    public double beladyHitRate() {
        return LayerFigures.ratio(beladyHits, lookups());
    }

    public double beladySameQuotasHitRate() {
        return LayerFigures.ratio(beladySameQuotasHits, lookups());
    }

    /** Mean distinct experts a step needs at a layer. */
    public double distinctExpertsPerStep() {
        return LayerFigures.ratio(lookups(), (double) steps * layers.size());
    }

    /** Layer {@code l}'s loads per token. */
    public double loadsPerToken(int l) {
        LayerFigures f = layers.get(l);
        return LayerFigures.ratio(f.demandLoads() + f.prefetchLoads(), tokens);
    }

    public double distinctExpertsPerStep(int l) {
        return LayerFigures.ratio(layers.get(l).lookups(), steps);
    }

    private double perTokenLayer(long loads) {
        return LayerFigures.ratio(loads, (double) tokens * layers.size());
    }
}
