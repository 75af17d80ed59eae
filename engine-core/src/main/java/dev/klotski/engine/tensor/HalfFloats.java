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

    /** IEEE binary16 bits to float. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float to IEEE binary16 bits (round to nearest even). */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }
}
