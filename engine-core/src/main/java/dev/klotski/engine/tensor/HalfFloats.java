package dev.klotski.engine.tensor;

/** Conversions between float32 and the 16-bit formats checkpoints use. */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** bfloat16 bits (low 16 bits of the argument) to float: bf16 is the top half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float to bfloat16 bits with round-to-nearest-even, as PyTorch and numpy-based converters do. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40); // keep it a quiet NaN
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Every f16 bit pattern widened once (256 KiB): kernels convert one scale per group through it. */
    private static final float[] F16_TABLE = new float[1 << 16];

    static {
        for (int i = 0; i < F16_TABLE.length; i++) {
            F16_TABLE[i] = f16ToFloat((short) i);
        }
    }

    /** As {@link #f16ToFloat} through a table: the same values, no branches. */
    public static float f16ToFloatFast(short bits) {
        return F16_TABLE[bits & 0xFFFF];
    }

    /**
     * IEEE binary16 bits to float. Written out by hand because {@code Float.float16ToFloat} only exists
     * from Java 20 and the project compiles with {@code --release 17}.
     */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) { // infinity or NaN: keep the payload
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) { // zero or subnormal: mant * 2^-24, exact in float32
            float magnitude = mant * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
    }

    /** float to IEEE binary16 bits (round to nearest even; overflow gives infinity, NaN stays NaN). */
    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) { // infinity, or NaN forced quiet so a payload that shifts out cannot make it infinity
            return (short) (mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | (mant >>> 13));
        }
        int e = exp - 127 + 15; // rebias
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) { // result is subnormal (or zero): drop 14 - e bits of the 24-bit significand
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal
            }
            int significand = mant | 0x800000;
            int shift = 14 - e;
            int half = significand >>> shift;
            int rest = significand & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
                half++; // may carry into the smallest normal, which is the right answer
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent (up to infinity) is correct rounding
        }
        return (short) (sign | half);
    }
}
