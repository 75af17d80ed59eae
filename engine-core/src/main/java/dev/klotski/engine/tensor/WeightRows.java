package dev.klotski.engine.tensor;

/**
 * Widens rows of a {@link WeightMatrix} to float32: the one definition of what each format's bits mean. Kernels
 * that widen in registers must agree with it exactly (they are tested against it).
 */
public final class WeightRows {
    private WeightRows() {
    }

    /** Writes row {@code row} of w (w.cols() values) to dst starting at dstOff. */
    public static void widen(WeightMatrix w, int row, float[] dst, int dstOff) {
        widen(w, row, 1, dst, dstOff);
    }

    /** Writes rows [row, row + count) of w to dst, row-major, starting at dstOff. */
    public static void widen(WeightMatrix w, int row, int count, float[] dst, int dstOff) {
        int cols = w.cols();
        long first = (long) row * cols;
        int n = Math.multiplyExact(count, cols);
        switch (w.format()) {
            case F32 -> System.arraycopy(w.floats(), (int) first, dst, dstOff, n);
            case BF16 -> {
                short[] h = w.halves();
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = HalfFloats.bf16ToFloat(h[(int) first + i]);
                }
            }
            case F16 -> {
                short[] h = w.halves();
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = HalfFloats.f16ToFloatFast(h[(int) first + i]);
                }
            }
            case Q8 -> {
                byte[] q = w.quants();
                short[] s = w.scales();
                int g = w.group();
                for (int i = 0; i < n; i++) {
                    long v = first + i;
                    dst[dstOff + i] = q[(int) v] * HalfFloats.f16ToFloatFast(s[(int) (v / g)]);
                }
            }
            case Q4 -> {
                byte[] q = w.quants();
                short[] s = w.scales();
                int g = w.group();
                int half = g / 2;
                for (int i = 0; i < n; i++) {
                    long v = first + i;
                    long groupIndex = v / g;
                    int j = (int) (v - groupIndex * g);
                    int b = q[(int) (groupIndex * half + (j % half))];
                    int nibble = j < half ? (b & 0x0F) : ((b >> 4) & 0x0F);
                    dst[dstOff + i] = (nibble - 8) * HalfFloats.f16ToFloatFast(s[(int) groupIndex]);
                }
            }
        }
    }

    /** The whole matrix as float32 (tests and small tensors only: it allocates rows * cols floats). */
    public static float[] toFloats(WeightMatrix w) {
        float[] out = new float[Math.multiplyExact(w.rows(), w.cols())];
        widen(w, 0, w.rows(), out, 0);
        return out;
    }
}
