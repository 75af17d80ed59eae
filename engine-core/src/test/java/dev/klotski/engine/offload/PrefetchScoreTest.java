package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Precision and recall of predictions, per layer and overall. */
class PrefetchScoreTest {

    @Test
    void precisionIsPredictionsNeededAndRecallIsNeedsPredicted() {
        PrefetchScore s = new PrefetchScore(3, 8, 0);
        s.routed(0, new int[] {1, 2}, 2);    // layer 0: nothing can predict it; not in recall
        s.predict(1, 3);
        s.predict(1, 4);
        s.predict(1, 3);                     // a repeat counts once
        s.routed(1, new int[] {3, 5}, 2);    // 3 used, 4 not; 5 missed
        s.predict(2, 6);
        s.routed(2, new int[] {6}, 1);
        s.routed(2, new int[] {6, 7}, 2);    // predictions were cleared: nothing predicted this time
        assertEquals(0.5, s.precision(1), 1e-12);
        assertEquals(0.5, s.recall(1), 1e-12);
        assertEquals(1.0, s.precision(2), 1e-12);
        assertEquals(1.0 / 3, s.recall(2), 1e-12);
        assertEquals(0.0, s.recall(0), 1e-12);
        assertEquals(2.0 / 3, s.precision(), 1e-12, "2 of 3 distinct predictions used");
        assertEquals(2.0 / 5, s.recall(), 1e-12, "2 of the 5 needs after the first layer");
    }
}
