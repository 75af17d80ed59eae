package dev.klotski.engine.offload.replay;

/** The distinct experts one step needs at one layer, in row order and each row's gate order. */
final class StepExperts {
    private StepExperts() {
    }

    /** Writes them to {@code out} and returns how many; {@code seen} (experts) is scratch, left all false. */
    static int of(Trace trace, Schedule schedule, int step, int layer, int[] out, boolean[] seen) {
        int n = 0;
        int k = trace.shape().topK();
        for (int i = schedule.stepStart(step); i < schedule.stepStart(step + 1); i++) {
            int row = schedule.row(i);
            for (int s = 0; s < k; s++) {
                int e = trace.expert(row, layer, s);
                if (!seen[e]) {
                    seen[e] = true;
                    out[n++] = e;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            seen[out[i]] = false;
        }
        return n;
    }
}
