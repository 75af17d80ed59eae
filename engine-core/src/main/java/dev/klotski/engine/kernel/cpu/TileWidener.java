package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightMatrix;

/**
 * Widens rows of a compact weight matrix to float32, giving exactly the values {@link
 * dev.klotski.engine.tensor.WeightRows} defines (tests hold every implementation to its bits), only faster.
 */
@FunctionalInterface
interface TileWidener {
    /** Writes rows [row, row + count) of w to dst, row-major, starting at dstOff. */
    void widen(WeightMatrix w, int row, int count, float[] dst, int dstOff);
}
