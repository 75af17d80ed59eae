package dev.klotski.engine.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link Planner} chose, what it predicts, and why: one line of reason per choice. The per-layer figures
 * are for one decode step of a full group, averaged over MoE layers.
 *
 * @param groupBatches                    n: batches that advance through each layer together, sharing its loads
 * @param batchSize                       b: sequences per batch
 * @param passTokens                      most tokens in one prefill pass
 * @param prefetchDepth                   K: predicted experts per layer loaded ahead (0 when all are resident)
 * @param pinnedExperts                   layer to the experts pinned there (empty without a routing profile)
 * @param kvPlacement                     where KV caches live ({@value #KV_HOST} on the CPU backend)
 * @param deviceSlots                     compute-tier slots per MoE layer (its own)
 * @param poolSlots                       slots lent to whichever layer is loading, beyond those
 * @param poolShare                       the share of all slots the pool is (the engine's pool share)
 * @param predictedTokensPerSecond        generated tokens / (prefill + decode time), bubbles included
 * @param predictedPrefillTokensPerSecond prompt tokens per second of prefill
 * @param predictedDecodeTokensPerSecond  tokens per second of decode steps (0 when only one token is generated)
 * @param predictedDecodeStepSeconds      one decode step of a full group
 * @param predictedPrefillPassSeconds     one full prefill pass
 * @param predictedBubbleFraction         share of the run that compute waits for loads
 * @param expertsUsedPerLayer             distinct experts a decode step uses per layer
 * @param loadsPerLayer                   of those, loaded (not resident)
 * @param ioSecondsPerLayer               their transfer time
 * @param computeSecondsPerLayer          attention, gates and experts of the group
 * @param kvBytes                         the group's KV caches
 * @param activationBytes                 the largest pass's activations
 * @param memoryBytes                     the memory given for both
 * @param equationsHoldFromN              smallest n at this b for which Eqs. 4-7 hold in decode; 0 if none tried does
 * @param equationsHolding                which of Eqs. 4-7 this plan's decode step meets in every MoE layer
 * @param reasons                         one line per choice, and the prediction
 */
public record Plan(int groupBatches, int batchSize, int passTokens, int prefetchDepth,
                   Map<Integer, List<Integer>> pinnedExperts, String kvPlacement, List<Integer> deviceSlots,
                   int poolSlots, double poolShare, double predictedTokensPerSecond, double predictedPrefillTokensPerSecond,
                   double predictedDecodeTokensPerSecond, double predictedDecodeStepSeconds,
                   double predictedPrefillPassSeconds, double predictedBubbleFraction, double expertsUsedPerLayer,
                   double loadsPerLayer, double ioSecondsPerLayer, double computeSecondsPerLayer, long kvBytes,
                   long activationBytes, long memoryBytes, int equationsHoldFromN, List<Integer> equationsHolding,
                   List<String> reasons) {
    /** KV caches in host memory: the CPU backend's compute tier is host RAM. */
    public static final String KV_HOST = "host";
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public Plan {
        pinnedExperts = Map.copyOf(pinnedExperts);
        deviceSlots = List.copyOf(deviceSlots);
        equationsHolding = List.copyOf(equationsHolding);
        reasons = List.copyOf(reasons);
    }

    /** Sequences in flight: n x b. */
    public int groupSequences() {
        return groupBatches * batchSize;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "group        n = %d batches of b = %d sequences (%d in flight)%n",
                groupBatches, batchSize, groupSequences()));
        b.append(String.format(Locale.ROOT, "prefill      passes of at most %d tokens%n", passTokens));
        b.append(String.format(Locale.ROOT, "prefetch     K = %d experts per layer%n", prefetchDepth));
        b.append(String.format(Locale.ROOT, "slots        %s per MoE layer, pool %d (share %.2f)%n",
                deviceSlots.stream().distinct().map(String::valueOf).reduce((x, y) -> x + "/" + y).orElse("0"),
                poolSlots, poolShare));
        b.append(String.format(Locale.ROOT, "pins         %s%n", pinnedExperts.isEmpty() ? "none"
                : pinnedExperts.values().stream().mapToInt(List::size).sum() + " experts in " + pinnedExperts.size()
                + " layers"));
        b.append(String.format(Locale.ROOT, "kv           %s memory%n", kvPlacement));
        b.append(String.format(Locale.ROOT, "predicted    %.2f tokens/s (prefill %.1f tokens/s, decode %.2f tokens/s), "
                        + "bubbles %.1f%%%n", predictedTokensPerSecond, predictedPrefillTokensPerSecond,
                predictedDecodeTokensPerSecond, 100 * predictedBubbleFraction));
        b.append(String.format(Locale.ROOT, "decode step  %.2f ms; per layer %.1f experts used, %.2f loaded "
                        + "(I/O %.2f ms), compute %.2f ms%n", predictedDecodeStepSeconds * 1e3, expertsUsedPerLayer,
                loadsPerLayer, ioSecondsPerLayer * 1e3, computeSecondsPerLayer * 1e3));
        b.append(String.format(Locale.ROOT, "prefill pass %.2f ms%n", predictedPrefillPassSeconds * 1e3));
        b.append(String.format(Locale.ROOT, "overlap      Eqs. %s hold at this n%s%n", equationsHolding,
                equationsHoldFromN > 0 ? "; all of 4-7 from n = " + equationsHoldFromN : "; all of 4-7 at no n tried"));
        b.append("why\n");
        reasons.forEach(r -> b.append("  ").append(r).append('\n'));
        return b.toString();
    }
}
