package dev.klotski.engine.offload;

import dev.klotski.engine.model.layers.RoutingEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MoE-Infinity's activation-matrix prefetcher: each running request's expert activation matrix (EAM) is matched
 * by cosine against a bounded store of past requests' matrices (seeded from a profile, fed by every request that
 * ends); after layer l routes, the nearest past matrix's rows, normalised into chances, predict the layers after
 * l, scaled by the distance decay {@code 1 - (i - l) / layers}. Experts whose decayed chance reaches
 * {@link #THRESHOLD} are prefetched, best first.
 */
public final class EamPrefetcher implements Prefetcher {
    /** Past matrices kept (MoE-Infinity: about 120 suffice). */
    public static final int CAPACITY = ProfileLearner.MATRICES;
    /**
     * Prefetch experts whose decayed chance reaches this. On the gpt-oss trace (judged on requests 101 to 237)
     * lower thresholds only add loads: with activation-aware, 0.4 hits 0.672 at 1.62 loads per token, 0.7 hits
     * 0.678 at 1.29, no prefetch 0.678 at 1.29.
     */
    static final double THRESHOLD = 0.7;

    private final RoutingShape shape;
    private final double threshold;
    private final ActivationMatrices running;
    private final EamStore store;
    private final List<double[]> storeNorms = new ArrayList<>(); // per entry (layer) row norms
    private final Map<Long, double[][]> cosines = new HashMap<>(); // request -> (entry, layer) row cosines
    private final double[][] decayed;                             // (layer, expert) scratch: best decayed chance
    private final List<Integer> picks = new ArrayList<>();        // scratch: layer * experts + expert

    /** Starts from {@code profile}'s matrices, or an empty store when it is null. */
    public EamPrefetcher(RoutingShape shape, RoutingProfile profile) {
        this(shape, profile, THRESHOLD);
    }

    EamPrefetcher(RoutingShape shape, RoutingProfile profile, double threshold) {
        this.shape = shape;
        this.threshold = threshold;
        this.running = new ActivationMatrices(shape);
        this.store = new EamStore(CAPACITY);
        this.decayed = new double[shape.layers()][shape.experts()];
        if (profile != null) {
            for (float[][] m : profile.requireShape(shape).activationMatrices()) {
                remember(m);
            }
        }
    }

    @Override
    public String name() {
        return "eam";
    }

    @Override
    public void predict(RoutingEvent event, PrefetchSink sink) {
        running.observe(event);
        int layer = event.layer();
        if (layer + 1 >= shape.layers() || store.size() == 0) {
            return;
        }
        for (double[] d : decayed) {
            Arrays.fill(d, 0);
        }
        for (int r = 0; r < event.rows(); r++) {
            long request = event.requestId(r);
            if (r == 0 || event.requestId(r - 1) != request) { // prefill rows of a request are contiguous
                predictFor(request, layer);
            }
        }
        picks.clear();
        int experts = shape.experts();
        for (int i = layer + 1; i < shape.layers(); i++) {
            for (int e = 0; e < experts; e++) {
                if (decayed[i][e] >= threshold) {
                    picks.add(i * experts + e);
                }
            }
        }
        picks.sort((a, b) -> Double.compare(decayed[b / experts][b % experts], decayed[a / experts][a % experts]));
        for (int p : picks) {
            sink.prefetch(p / experts, p % experts);
        }
    }

    /** Matches the request's matrix over layers 0..layer and folds the nearest match's later rows into decayed. */
    private void predictFor(long request, int layer) {
        float[][] eam = running.matrix(request);
        double[][] cos = cosines.computeIfAbsent(request, x -> allCosines(eam));
        float[] mine = eam[layer];
        double norm = norm(mine);
        int nearest = -1;
        double best = Double.MAX_VALUE;
        for (int j = 0; j < store.size(); j++) {
            cos[j][layer] = cosine(mine, norm, store.get(j)[layer], storeNorms.get(j)[layer]);
            double sum = 0;
            for (int i = 0; i <= layer; i++) {
                sum += cos[j][i];
            }
            double distance = 1 - sum / (layer + 1);
            if (distance < best) {
                best = distance;
                nearest = j;
            }
        }
        float[][] match = store.get(nearest);
        for (int i = layer + 1; i < shape.layers(); i++) {
            double total = 0;
            for (float v : match[i]) {
                total += v;
            }
            if (total == 0) {
                continue;
            }
            double decay = 1 - (double) (i - layer) / shape.layers();
            for (int e = 0; e < shape.experts(); e++) {
                double chance = Math.min(1, shape.topK() * match[i][e] / total);
                decayed[i][e] = Math.max(decayed[i][e], chance * decay);
            }
        }
    }

    @Override
    public void requestEnded(long requestId) {
        float[][] eam = running.end(requestId);
        cosines.remove(requestId);
        if (eam != null) {
            remember(eam);
        }
    }

    /** Stores a finished matrix and brings every running request's cosines with that entry up to date. */
    private void remember(float[][] eam) {
        int j = store.add(eam);
        double[] norms = new double[shape.layers()];
        for (int l = 0; l < norms.length; l++) {
            norms[l] = norm(store.get(j)[l]);
        }
        if (j == storeNorms.size()) {
            storeNorms.add(norms);
        } else {
            storeNorms.set(j, norms);
        }
        for (Map.Entry<Long, double[][]> c : cosines.entrySet()) {
            float[][] mine = running.matrix(c.getKey());
            for (int l = 0; l < shape.layers(); l++) {
                c.getValue()[j][l] = cosine(mine[l], norm(mine[l]), store.get(j)[l], norms[l]);
            }
        }
    }

    private double[][] allCosines(float[][] eam) {
        double[][] cos = new double[CAPACITY][shape.layers()];
        for (int j = 0; j < store.size(); j++) {
            for (int l = 0; l < shape.layers(); l++) {
                cos[j][l] = cosine(eam[l], norm(eam[l]), store.get(j)[l], storeNorms.get(j)[l]);
            }
        }
        return cos;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    private static double cosine(float[] a, double na, float[] b, double nb) {
        if (na == 0 || nb == 0) {
            return 0;
        }
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (na * nb);
    }
}
