package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class PortableExpTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

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

    @Test
    void everyLaneHasTheScalarBits() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[S.length()];
        float[] lanes = new float[S.length()];
        for (int round = 0; round < 20_000; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble(-100, 100);
            }
            PortableExp.exp(FloatVector.fromArray(S, x, 0)).intoArray(lanes, 0);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(PortableExp.exp(x[i])), Float.floatToRawIntBits(lanes[i]),
                        "lane " + i + " of exp(" + x[i] + ")");
            }
        }
    }
}
