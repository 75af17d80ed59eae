package dev.klotski.engine.kernel.cpu;

/**
 * e^x in float from adds, multiplies and bit shifts only, the same steps on a vector's lanes and on one float,
 * so a result's bits depend on nothing but x. The Vector API's own EXP does not give that: compiled it calls
 * SVML, interpreted it calls Math.exp per lane, and the two differ in the last bit, so a batch-invariant run
 * changed with the JIT's progress and with where an element fell relative to a whole vector.
 * Method: x = n·ln2 + r with |r| ≤ ln2/2 (Cody and Waite's two-part ln2), e^r by Cephes' degree-6 polynomial,
 * then 2^n put in the exponent bits. Within 2 ulp of e^x over the clamped range. The same steps on vector lanes
 * are written out where they are used ({@link VectorLayerMath#siluMul}), not in a method here: a vector-valued
 * helper that C2 compiles on its own first is then too big to inline, and its boxed vectors made a bench run
 * allocate gigabytes.
 */
final class PortableExp {
    /** exp's argument is clamped here: 2^n stays a normal float and the product finite. */
    static final float MIN_ARG = -87f;
    static final float MAX_ARG = 88f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f; // 9 significant bits: n · LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding it rounds a float below 2^22 to an integer, held in the low mantissa bits. */
    static final float ROUNDER = 12582912f;
    static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    private PortableExp() {
    }

    static float exp(float x) {
        x = Math.min(Math.max(x, MIN_ARG), MAX_ARG);
        float shifted = x * LOG2E + ROUNDER;
        float n = shifted - ROUNDER;
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
        float y = p * (r * r) + r + 1f;
        int twoToN = (Float.floatToRawIntBits(shifted) - ROUNDER_BITS + 127) << 23;
        return y * Float.intBitsToFloat(twoToN);
    }
}
