package dev.klotski.engine.model.layers;

/**
 * The router's decision for a batch of tokens: token t uses experts {@code ids[t*k .. t*k+k)} with the same
 * weights, best first.
 */
public record Routing(int tokens, int k, int[] ids, float[] weights) {

    /** For each expert, the (token, slot) pairs routed to it, encoded as token * k + slot, in token order. */
    public int[][] assignmentsByExpert(int experts) {
        int[] counts = new int[experts];
        for (int id : ids) {
            counts[id]++;
        }
        int[][] byExpert = new int[experts][];
        for (int e = 0; e < experts; e++) {
            byExpert[e] = new int[counts[e]];
        }
        int[] fill = new int[experts];
        for (int i = 0; i < ids.length; i++) {
            byExpert[ids[i]][fill[ids[i]]++] = i;
        }
        return byExpert;
    }
}
