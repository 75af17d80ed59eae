package dev.klotski.engine.offload;

/** Evicts the candidate a score values least, ties to the least recently used. */
abstract class ScoredPolicy extends LruBackedPolicy {
    private final int[] tied; // scratch: candidates sharing the lowest score

    ScoredPolicy(int layers, int experts) {
        super(layers, experts);
        this.tied = new int[experts];
    }

    /** How much keeping the expert is worth; the lowest goes first. */
    protected abstract double score(int layer, int expert);

    @Override
    public final int victim(int layer, int[] candidates, int count) {
        double low = Double.MAX_VALUE;
        int ties = 0;
        for (int i = 0; i < count; i++) {
            double s = score(layer, candidates[i]);
            if (s < low) {
                low = s;
                ties = 0;
            }
            if (s == low) {
                tied[ties++] = candidates[i];
            }
        }
        return lru.victim(layer, tied, ties);
    }
}
