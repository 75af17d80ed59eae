package dev.klotski.engine.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.klotski.engine.kv.KvCache;
import org.junit.jupiter.api.Test;

class ForwardBatchTest {

    /** Sequences 0..4: one decode token each for 0, 1 and 3, prompt chunks of 3 and 2 tokens for 2 and 4. */
    private static ForwardBatch pass(int batchSize) {
        int[] sequence = {0, 1, 2, 2, 2, 3, 4, 4};
        int[] positions = {7, 9, 0, 1, 2, 4, 0, 1};
        long[] requests = {0, 1, 2, 3, 4};
        return new ForwardBatch(new int[sequence.length], positions, sequence, new KvCache[5], new int[] {0},
                requests, new ExpertCounters(), batchSize);
    }

    @Test
    void batchesAreContiguousTokenRangesOfBSequences() {
        assertArrayEquals(new int[] {0, 8}, pass(0).batchStarts(), "no batch size: one batch");
        assertArrayEquals(new int[] {0, 2, 6, 8}, pass(2).batchStarts(), "sequences {0,1}, {2,3}, {4}");
        assertArrayEquals(new int[] {0, 5, 8}, pass(3).batchStarts(), "sequences {0,1,2}, {3,4}");
        assertArrayEquals(new int[] {0, 8}, pass(5).batchStarts());
        assertArrayEquals(new int[] {0, 8}, pass(64).batchStarts(), "a group larger than the pass");
        assertArrayEquals(new int[] {0, 1, 2, 5, 6, 8}, pass(1).batchStarts());
    }

    @Test
    void aNegativeBatchSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> pass(-1));
    }
}
