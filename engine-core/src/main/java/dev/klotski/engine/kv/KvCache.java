package dev.klotski.engine.kv;

import java.util.Arrays;

/**
 * Keys and values of one sequence for every layer, stored per position. Grows by doubling up to the
 * model's context length. Owned by one sequence: positions of one forward call are written by distinct
 * threads, so growth must happen (ensureCapacity) before a forward pass starts.
 */
public final class KvCache {
    private final int kvDim;
    private final int maxPositions;
    private final float[][] keys;   // (layer) -> (capacity, kvDim)
    private final float[][] values; // (layer) -> (capacity, kvDim)
    private int capacity;

    public KvCache(int layers, int kvDim, int maxPositions, int initialCapacity) {
        this.kvDim = kvDim;
        this.maxPositions = maxPositions;
        this.capacity = Math.max(1, Math.min(initialCapacity, maxPositions));
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    /** Makes room for positions [0, positions). */
    public void ensureCapacity(int positions) {
        if (positions > maxPositions) {
            throw new IllegalStateException("sequence of " + positions + " positions exceeds the context of "
                    + maxPositions);
        }
        if (positions <= capacity) {
            return;
        }
        int grown = Math.min(maxPositions, Math.max(positions, capacity * 2));
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], grown * kvDim);
            values[l] = Arrays.copyOf(values[l], grown * kvDim);
        }
        capacity = grown;
    }

    /** Stores the key and value vectors of one position, copied from src at the given offsets. */
    public void write(int layer, int position, float[] keySrc, int keyOffset, float[] valueSrc, int valueOffset) {
        System.arraycopy(keySrc, keyOffset, keys[layer], position * kvDim, kvDim);
        System.arraycopy(valueSrc, valueOffset, values[layer], position * kvDim, kvDim);
    }

    /** All keys of a layer, (capacity, kvDim); rows past the written positions are meaningless. */
    public float[] keys(int layer) {
        return keys[layer];
    }

    /** All values of a layer, (capacity, kvDim). */
    public float[] values(int layer) {
        return values[layer];
    }
}
