package dev.klotski.engine.offload.replay;

import java.util.Arrays;

/**
 * The optimal offline demand cache (Belady's MIN), no prefetch: on a miss the expert always enters, evicting the
 * resident expert whose next use is farthest. Steps follow replay's rules: a step's needed experts are protected
 * while its layer runs (hits first, then misses in order), unless none other is left to evict, when those already
 * served may go. Every layer is its own cache.
 *
 * <p>Optimal whenever a step's needed experts fit the layer's slots (always so with one request at a time; tested
 * against an exhaustive search). A step needing more (many rows per step, few slots) leaves only some of them
 * resident, and farthest-next-use is then a strong choice but not always the best one.
 */
public final class Belady {
    private Belady() {
    }

    /** Hits per layer for a trace's schedule at the given per-layer capacities. */
    public static long[] hits(Trace trace, Schedule schedule, int[] capacities) {
        int experts = trace.shape().experts();
        long[] hits = new long[trace.shape().layers()];
        int[] scratch = new int[experts];
        boolean[] seen = new boolean[experts];
        for (int l = 0; l < hits.length; l++) {
            int[][] steps = new int[schedule.steps()][];
            for (int s = 0; s < steps.length; s++) {
                steps[s] = Arrays.copyOf(scratch, StepExperts.of(trace, schedule, s, l, scratch, seen));
            }
            hits[l] = hits(steps, capacities[l], experts);
        }
        return hits;
    }

    /** Hits of one layer: {@code steps[s]} are the distinct experts step s needs. */
    public static long hits(int[][] steps, int capacity, int experts) {
        int[] nextUse = new int[experts];       // (experts) next step needing it, while scanning backwards
        int[][] next = new int[steps.length][]; // (step, needed) the step after this one that needs it again
        Arrays.fill(nextUse, Integer.MAX_VALUE);
        for (int s = steps.length - 1; s >= 0; s--) {
            next[s] = new int[steps[s].length];
            for (int i = 0; i < steps[s].length; i++) {
                next[s][i] = nextUse[steps[s][i]];
            }
            for (int e : steps[s]) {
                nextUse[e] = s;
            }
        }
        boolean[] resident = new boolean[experts];
        boolean[] now = new boolean[experts];   // (experts) needed by the current step
        boolean[] hit = new boolean[experts];   // (experts) resident when the current step began
        int[] nextOf = new int[experts];        // (experts) next use of a resident expert
        int held = 0;
        long hits = 0;
        for (int s = 0; s < steps.length; s++) {
            int[] need = steps[s];
            for (int i = 0; i < need.length; i++) {
                int e = need[i];
                now[e] = true;
                hit[e] = resident[e];
                if (hit[e]) {
                    hits++;
                    nextOf[e] = next[s][i];
                }
            }
            for (int i = 0; i < need.length; i++) {
                int e = need[i];
                if (hit[e]) {
                    continue;
                }
                if (held == capacity) {
                    resident[farthest(resident, now, nextOf)] = false;
                    held--;
                }
                resident[e] = true;
                nextOf[e] = next[s][i];
                held++;
            }
            for (int e : need) {
                now[e] = false;
                hit[e] = false;
            }
        }
        return hits;
    }

    /** The resident expert used farthest ahead, outside the step when possible. */
    private static int farthest(boolean[] resident, boolean[] now, int[] nextOf) {
        int best = -1;
        for (int e = 0; e < resident.length; e++) {
            if (resident[e] && !now[e] && (best < 0 || nextOf[e] > nextOf[best])) {
                best = e;
            }
        }
        if (best >= 0) {
            return best;
        }
        for (int e = 0; e < resident.length; e++) {
            if (resident[e] && (best < 0 || nextOf[e] > nextOf[best])) {
                best = e;
            }
        }
        return best;
    }
}
