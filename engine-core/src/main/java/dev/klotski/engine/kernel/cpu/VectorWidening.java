package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.HalfFloats;
import dev.klotski.engine.tensor.WeightMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.MUL;

/**
 * Eight compact weights to eight float32 lanes, exactly as {@link dev.klotski.engine.tensor.WeightRows} widens
 * them: the building blocks of the in-register dot products ({@link VectorCompactDots}), and a {@link
 * TileWidener} made of them. Only loaded with the Vector API module.
 */
final class VectorWidening {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    static final int L = 8;

    private static final int F16_REBIAS = (127 - 15) << 23;
    private static final FloatVector SUBNORMAL_SCALE = FloatVector.broadcast(F, 0x1p-24f);

    private VectorWidening() {
    }

    /** bf16 h[off..off+8): the bits are the top half of a float32. */
    static FloatVector bf16(short[] h, int off) {
        IntVector i = (IntVector) ShortVector.fromArray(H, h, off).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * f16 h[off..off+8), as {@link HalfFloats#f16ToFloat} (JDK 17 has no vector conversion). Exponent and
     * mantissa shift into float32 place and are rebiased; infinities and NaNs get exponent 255 (keeping the
     * payload); zeros and subnormals m·2^-24 are converted from the integer m and scaled, exact, without ever
     * multiplying a subnormal float (which costs a microcode assist: the "2^112 multiply" trick measured 1.9x
     * slower on weights with subnormals); the sign is ORed in last, so 0x8000 gives -0.
     */
    static FloatVector f16(short[] h, int off) {
        IntVector i = (IntVector) ShortVector.fromArray(H, h, off).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = i.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GT, 0x7BFF); // GT is one AVX2 instruction
        VectorMask<Integer> small = magnitude.compare(VectorOperators.LT, 0x0400);
        IntVector normal = shifted.add(F16_REBIAS).blend(shifted.or(0x7F800000), special);
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0))
                .lanewise(MUL, SUBNORMAL_SCALE)
                .reinterpretAsInts();
        // i is sign-extended from 16 bits, so its bit 31 is the f16 sign.
        return normal.blend(subnormal, small).or(i.and(0x80000000)).reinterpretAsFloats();
    }

    /** int8 q[off..off+8) times the group's scale d: q·d is exact in float32. */
    static FloatVector q8(byte[] q, int off, float d) {
        return ((FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, F, 0))
                .lanewise(MUL, FloatVector.broadcast(F, d));
    }

    /** Bytes q[off..off+8) as ints, sign-extended: two int4 values each. */
    static IntVector nibbles(byte[] q, int off) {
        return (IntVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2I, I, 0);
    }

    /** The low nibbles n of {@link #nibbles}' bytes as (n - 8)·d, exact in float32. */
    static FloatVector low(IntVector bytes, float d) {
        return ((FloatVector) bytes.and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                .lanewise(MUL, FloatVector.broadcast(F, d));
    }

    /** The high nibbles n of {@link #nibbles}' bytes as (n - 8)·d (the sign extension is masked off). */
    static FloatVector high(IntVector bytes, float d) {
        return ((FloatVector) bytes.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8)
                .convert(VectorOperators.I2F, 0)).lanewise(MUL, FloatVector.broadcast(F, d));
    }

    /** Whether Q8 rows of group g widen in 8-wide blocks (a block never straddles two scales). */
    static boolean q8Blocks(int g) {
        return g % L == 0;
    }

    /** Whether Q4 rows of group g widen in 8-wide blocks (each half group is whole blocks). */
    static boolean q4Blocks(int g) {
        return g % (2 * L) == 0;
    }

    /** As {@link TileWidener#widen}; groups the blocks do not fit are widened by {@link ScalarWidening}. */
    static void widen(WeightMatrix w, int row, int count, float[] dst, int dstOff) {
        int in = w.cols();
        for (int r = 0; r < count; r++) {
            widenRow(w, row + r, dst, dstOff + r * in);
        }
    }

    /**
     * One method per format, each its own small compilation unit: one method holding all the loops ran 4x
     * slower (C2 boxed its vectors).
     */
    private static void widenRow(WeightMatrix w, int row, float[] dst, int at) {
        int in = w.cols();
        switch (w.format()) {
            case BF16 -> bf16Row(w.halves(), row * in, in, dst, at);
            case F16 -> f16Row(w.halves(), row * in, in, dst, at);
            case Q8 -> {
                if (q8Blocks(w.group())) {
                    q8Row(w.quants(), row * in, w.scales(), row * (in / w.group()), in, w.group(), dst, at);
                } else {
                    ScalarWidening.widenRow(w, row, dst, at);
                }
            }
            case Q4 -> {
                if (q4Blocks(w.group())) {
                    q4Row(w.quants(), row * (in / 2), w.scales(), row * (in / w.group()), in, w.group(), dst, at);
                } else {
                    ScalarWidening.widenRow(w, row, dst, at);
                }
            }
            case F32 -> System.arraycopy(w.floats(), row * in, dst, at, in);
        }
    }

    private static void bf16Row(short[] h, int src, int n, float[] dst, int at) {
        int k = 0;
        for (; k + L <= n; k += L) {
            bf16(h, src + k).intoArray(dst, at + k);
        }
        for (; k < n; k++) {
            dst[at + k] = HalfFloats.bf16ToFloat(h[src + k]);
        }
    }

    private static void f16Row(short[] h, int src, int n, float[] dst, int at) {
        int k = 0;
        for (; k + L <= n; k += L) {
            f16(h, src + k).intoArray(dst, at + k);
        }
        for (; k < n; k++) {
            dst[at + k] = HalfFloats.f16ToFloatFast(h[src + k]);
        }
    }

    private static void q8Row(byte[] q, int src, short[] s, int scale, int n, int g, float[] dst, int at) {
        float d = 0f;
        for (int k = 0, next = 0; k < n; k += L) {
            if (k == next) {
                d = HalfFloats.f16ToFloatFast(s[scale++]);
                next += g;
            }
            q8(q, src + k, d).intoArray(dst, at + k);
        }
    }

    /** Flat over the row's bytes (a loop nested per group would box the vectors); half a group is whole blocks. */
    private static void q4Row(byte[] q, int src, short[] s, int scale, int n, int g, float[] dst, int at) {
        int half = g / 2;
        float d = 0f;
        int base = at; // dst index of the current group's first value
        int first = 0; // its first byte, relative to src
        for (int b = 0; b < n / 2; b += L) {
            if (b == first + half || b == 0) {
                first = b;
                base = at + 2 * b;
                d = HalfFloats.f16ToFloatFast(s[scale++]);
            }
            int j = b - first;
            IntVector bytes = nibbles(q, src + b);
            low(bytes, d).intoArray(dst, base + j);
            high(bytes, d).intoArray(dst, base + half + j);
        }
    }
}
