package dev.klotski.engine.kv;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;

/**
 * Keys and values of one sequence for every layer, in backend memory (host arrays on the CPU, device memory on
 * a device backend), stored per position. Grows by doubling up to the model's context length. Owned by one
 * sequence: growth must happen (ensureCapacity) before a forward pass starts, since the pass writes into it.
 */
public final class KvCache {
    private final Kernels kernels;
    private final int kvDim;
    private final int maxPositions;
    private final Buffer[] keys;   // (layer) -> (capacity, kvDim)
    private final Buffer[] values; // (layer) -> (capacity, kvDim)
    private int capacity;

    public KvCache(Kernels kernels, int layers, int kvDim, int maxPositions, int initialCapacity) {
        this.kernels = kernels;
        this.kvDim = kvDim;
        this.maxPositions = maxPositions;
        this.capacity = Math.max(1, Math.min(initialCapacity, maxPositions));
        this.keys = new Buffer[layers];
        this.values = new Buffer[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = kernels.allocate(capacity * kvDim);
            values[l] = kernels.allocate(capacity * kvDim);
        }
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
            keys[l] = grownCopy(keys[l], grown);
            values[l] = grownCopy(values[l], grown);
        }
        capacity = grown;
    }

    private Buffer grownCopy(Buffer old, int positions) {
        Buffer b = kernels.allocate(positions * kvDim);
        kernels.copy(old, 0, b, 0, capacity * kvDim);
        return b;
    }

    /** Positions held without growing. */
    public int capacity() {
        return capacity;
    }

    /** All keys of a layer, (capacity, kvDim); rows past the written positions are meaningless. */
    public Buffer keys(int layer) {
        return keys[layer];
    }

    /** All values of a layer, (capacity, kvDim). */
    public Buffer values(int layer) {
        return values[layer];
    }

    /** Backend bytes this cache holds now. */
    public long bytes() {
        return 2L * keys.length * capacity * kvDim * Float.BYTES;
    }
}
