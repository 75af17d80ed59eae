package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.HalfFloats;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;

/**
 * {@link WeightRows}' values in plain Java, written for speed: a row and a group at a time, so the group's scale
 * is converted once and no index is divided per value. The same arithmetic per value, hence the same bits: a
 * quant times its scale is one float32 multiplication, exact.
 */
final class ScalarWidening {
    private ScalarWidening() {
    }

    /** As {@link TileWidener#widen}. */
    static void widen(WeightMatrix w, int row, int count, float[] dst, int dstOff) {
        int in = w.cols();
        for (int r = 0; r < count; r++) {
            widenRow(w, row + r, dst, dstOff + r * in);
        }
    }

    /** One row, w.cols() values to dst[at..]. */
    static void widenRow(WeightMatrix w, int row, float[] dst, int at) {
        int in = w.cols();
        switch (w.format()) {
            case F32 -> System.arraycopy(w.floats(), row * in, dst, at, in);
            case BF16 -> {
                short[] h = w.halves();
                int src = row * in;
                for (int i = 0; i < in; i++) {
                    dst[at + i] = Float.intBitsToFloat(h[src + i] << 16); // the sign-extended top half shifts out
                }
            }
            case F16 -> {
                short[] h = w.halves();
                int src = row * in;
                for (int i = 0; i < in; i++) {
                    dst[at + i] = HalfFloats.f16ToFloatFast(h[src + i]);
                }
            }
            case Q8 -> {
                byte[] q = w.quants();
                short[] s = w.scales();
                int g = w.group();
                int src = row * in;
                int scale = src / g;
                for (int k = 0; k < in; k += g, scale++) {
                    float d = HalfFloats.f16ToFloatFast(s[scale]);
                    for (int j = 0; j < g; j++) {
                        dst[at + k + j] = q[src + k + j] * d;
                    }
                }
            }
            case Q4 -> {
                byte[] q = w.quants();
                short[] s = w.scales();
                int g = w.group();
                int half = g / 2;
                int src = row * (in / 2); // (row * in) / 2 without overflowing int: in is even
                int scale = row * (in / g);
                for (int k = 0; k < in; k += g, scale++, src += half) {
                    float d = HalfFloats.f16ToFloatFast(s[scale]);
                    for (int j = 0; j < half; j++) {
                        int b = q[src + j];
                        dst[at + k + j] = ((b & 0x0F) - 8) * d;
                        dst[at + k + half + j] = (((b >> 4) & 0x0F) - 8) * d;
                    }
                }
            }
        }
    }
}
