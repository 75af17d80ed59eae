package dev.klotski.engine.tensor;

/**
 * Converts float32 weights into the compact formats. The int8 and int4 schemes follow llama.cpp's reference
 * quantizers for Q8_0 and Q4_0 (the same scale choice and rounding), generalised to any group size.
 */
public final class Quantizer {
    private Quantizer() {
    }

    /** values (rows, cols) row-major into {@code format}; group is used by Q8 and Q4 only. */
    public static WeightMatrix quantize(float[] values, int rows, int cols, WeightFormat format, int group) {
        return switch (format) {
            case F32 -> WeightMatrix.f32(rows, cols, values.clone());
            case BF16, F16 -> {
                short[] bits = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = format == WeightFormat.BF16 ? HalfFloats.floatToBf16(values[i])
                            : HalfFloats.floatToF16(values[i]);
                }
                yield WeightMatrix.halves(rows, cols, format, bits);
            }
            case Q8 -> q8(values, rows, cols, group);
            case Q4 -> q4(values, rows, cols, group);
        };
    }

    /** d = max|x| / 127, q = round(x / d) (half away from zero), as quantize_row_q8_0_ref. */
    private static WeightMatrix q8(float[] x, int rows, int cols, int group) {
        WeightMatrix.checkGroup(cols, group, WeightFormat.Q8);
        byte[] q = new byte[x.length];
        short[] scales = new short[x.length / group];
        for (int g = 0; g < scales.length; g++) {
            int base = g * group;
            float amax = 0f;
            for (int j = 0; j < group; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            scales[g] = HalfFloats.floatToF16(d);
            for (int j = 0; j < group; j++) {
                q[base + j] = (byte) roundHalfAway(x[base + j] * id); // |x * id| <= 127
            }
        }
        return WeightMatrix.quantized(rows, cols, WeightFormat.Q8, group, q, scales);
    }

    /**
     * d = m / -8 where m is the value of largest magnitude (sign kept), nibble = min(15, (int) (x / d + 8.5)),
     * as quantize_row_q4_0_ref; value j and j + group/2 share a byte.
     */
    private static WeightMatrix q4(float[] x, int rows, int cols, int group) {
        WeightMatrix.checkGroup(cols, group, WeightFormat.Q4);
        int half = group / 2;
        byte[] q = new byte[x.length / 2];
        short[] scales = new short[x.length / group];
        for (int g = 0; g < scales.length; g++) {
            int base = g * group;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < group; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            scales[g] = HalfFloats.floatToF16(d);
            for (int j = 0; j < half; j++) {
                int lo = Math.min(15, (int) (x[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (x[base + half + j] * id + 8.5f));
                q[g * half + j] = (byte) (lo | (hi << 4));
            }
        }
        return WeightMatrix.quantized(rows, cols, WeightFormat.Q4, group, q, scales);
    }

    /** C's roundf: halves round away from zero (Math.round rounds them up). */
    private static int roundHalfAway(float v) {
        return v >= 0 ? Math.round(v) : -Math.round(-v);
    }
}
