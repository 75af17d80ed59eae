package dev.klotski.engine.model.layers;

import static dev.klotski.engine.model.layers.LayerTesting.assertClose;
import static dev.klotski.engine.model.layers.LayerTesting.buffer;
import static dev.klotski.engine.model.layers.LayerTesting.host;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RoPE in HuggingFace's rotate_half layout: element i of a head turns with element i + headDim/2. */
class RotaryEmbeddingTest {
    private static final String KERNELS = "dev.klotski.engine.model.layers.LayerTesting#kernels";
    private static final double THETA = 10_000.0;

    /** HF's formula in double: x·cos + rotate_half(x)·sin, rotate_half(x) = (-x[half..], x[..half]). */
    private static double[] rotated(float[] x, int offset, int headDim, int position) {
        int half = headDim / 2;
        double[] out = new double[headDim];
        for (int i = 0; i < half; i++) {
            double inverseFrequency = (float) (1.0 / Math.pow(THETA, 2.0 * i / headDim)); // the float table RoPE keeps
            double angle = position * inverseFrequency;
            double a = x[offset + i];
            double b = x[offset + i + half];
            out[i] = a * Math.cos(angle) - b * Math.sin(angle);
            out[i + half] = b * Math.cos(angle) + a * Math.sin(angle);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void positionZeroIsTheIdentity(String name, Supplier<Kernels> make) {
        float[] x = LayerTesting.random(new SplittableRandom(1), 3 * 2 * 8, 4); // 3 tokens, 2 heads of 8
        try (Kernels kernels = make.get()) {
            Buffer b = buffer(x);
            new RotaryEmbedding(8, THETA).apply(kernels, b, 3, 2, new int[] {0, 0, 0});
            assertArrayEquals(x, host(b));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void elementIPairsWithIPlusHalf(String name, Supplier<Kernels> make) {
        int headDim = 8;
        RotaryEmbedding rope = new RotaryEmbedding(headDim, THETA);
        try (Kernels kernels = make.get()) {
            for (int i = 0; i < headDim; i++) {
                float[] x = new float[2 * headDim]; // two heads; a single 1 in head 1 at element i
                x[headDim + i] = 1f;
                Buffer b = buffer(x);
                rope.apply(kernels, b, 1, 2, new int[] {5});
                float[] y = host(b);
                int partner = i < headDim / 2 ? i + headDim / 2 : i - headDim / 2;
                for (int j = 0; j < 2 * headDim; j++) {
                    if (j != headDim + i && j != headDim + partner) {
                        assertEquals(0f, y[j], "element " + i + " leaked into " + j);
                    }
                }
                double angle = 5 * (double) (float) (1.0 / Math.pow(THETA, 2.0 * (i % (headDim / 2)) / headDim));
                assertEquals(Math.cos(angle), y[headDim + i], 1e-6, "cos part of " + i);
                // rotate_half: the first half's partner gets +sin, the second half's partner -sin
                assertEquals(i < headDim / 2 ? Math.sin(angle) : -Math.sin(angle), y[headDim + partner], 1e-6,
                        "sin part of " + i + " at " + partner);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void everyTokenTurnsByItsOwnPositionAndPairNormsArePreserved(String name, Supplier<Kernels> make) {
        int headDim = 16;
        int heads = 3;
        int[] positions = {0, 1, 7, 100, 4095};
        float[] x = LayerTesting.random(new SplittableRandom(2), positions.length * heads * headDim, 2);
        try (Kernels kernels = make.get()) {
            Buffer b = buffer(x);
            new RotaryEmbedding(headDim, THETA).apply(kernels, b, positions.length, heads, positions);
            float[] y = host(b);
            for (int t = 0; t < positions.length; t++) {
                for (int h = 0; h < heads; h++) {
                    int off = (t * heads + h) * headDim;
                    assertClose("token " + t + " head " + h, rotated(x, off, headDim, positions[t]), y, off, 1e-5);
                    for (int i = 0; i < headDim / 2; i++) {
                        double before = Math.hypot(x[off + i], x[off + i + headDim / 2]);
                        double after = Math.hypot(y[off + i], y[off + i + headDim / 2]);
                        assertEquals(before, after, 1e-6 * Math.max(1, before), "pair " + i + " of token " + t);
                    }
                }
            }
        }
    }

    @Test
    void anOddHeadDimIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RotaryEmbedding(7, THETA));
        assertTrue(e.getMessage().contains("even head_dim"), e.getMessage());
    }
}
