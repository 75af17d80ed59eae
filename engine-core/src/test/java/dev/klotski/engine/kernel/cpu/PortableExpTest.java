package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PortableExpTest {
    @Test
    void withinTwoUlpOfTheDoubleExpOverTheClampedRange() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) r.nextDouble(PortableExp.MIN_ARG, PortableExp.MAX_ARG);
            float exact = (float) Math.exp(x);
            float got = PortableExp.exp(x);
            assertTrue(Math.abs(got - exact) <= 2 * Math.ulp(exact), "exp(" + x + ") = " + got + ", not " + exact);
        }
        assertEquals(1f, PortableExp.exp(0f));
    }

    @Test
    void clampsOutOfRangeArgumentsToFiniteValuesAndKeepsNan() {
        assertEquals(PortableExp.exp(PortableExp.MAX_ARG), PortableExp.exp(1e6f));
        assertEquals(PortableExp.exp(PortableExp.MIN_ARG), PortableExp.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isFinite(PortableExp.exp(Float.POSITIVE_INFINITY)));
        assertTrue(PortableExp.exp(PortableExp.MIN_ARG) > 0f);
        assertTrue(Float.isNaN(PortableExp.exp(Float.NaN)));
    }

    /**
     * The vector steps are written out in {@link VectorLayerMath#siluMul}; every lane of it must give the bits of
     * the scalar formula on {@link PortableExp#exp(float)}, over the clamped range and past it on both sides.
     */
    @Test
    void everySiluLaneHasTheScalarExpBits() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 8 * 4096;
        float[] gate = new float[n];
        float[] up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) r.nextDouble(-100, 100);
            up[i] = (float) r.nextDouble(-2, 2);
        }
        float[] lanes = gate.clone();
        new VectorLayerMath().siluMul(lanes, up, 0, n);
        for (int i = 0; i < n; i++) {
            float scalar = gate[i] / (1f + PortableExp.exp(-gate[i])) * up[i];
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(lanes[i]),
                    "lane " + i % 8 + " of silu(" + gate[i] + ") * " + up[i]);
        }
    }
}
