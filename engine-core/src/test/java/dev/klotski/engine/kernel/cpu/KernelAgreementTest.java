package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.HostBuffer;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.ludovic.netlib.blas.BLAS;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast and the batch-invariant kernels compute the same products as the reference kernels, and the
 * fixed-order kernels keep their promise: a row's bits do not depend on its batch or the thread count.
 */
class KernelAgreementTest {
    /** Shapes {rows, in, out}: odd sizes, a single row, in not a multiple of 4, out not a multiple of the tile. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 3, 5}, {1, 64, 64}, {2, 7, 33}, {3, 17, 31}, {5, 130, 65}, {1, 257, 97}, {8, 128, 256},
        {13, 99, 1}, {4, 4, 4}, {31, 250, 70},
    };

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static float[] run(Kernels k, float[] x, int rows, WeightMatrix w) {
        float[] out = new float[rows * w.rows()];
        Arrays.fill(out, Float.NaN); // matmul must overwrite every element
        k.matmul(new HostBuffer(x), rows, w, new HostBuffer(out));
        return out;
    }

    private static WeightMatrix matrix(int rows, int cols, float[] values) {
        return WeightMatrix.f32(rows, cols, values);
    }

    /**
     * Relative agreement: each element within 1e-5 of the sum of |x·w| terms, which bounds float32 rounding of
     * any summation order (and stays meaningful when the dot product cancels to near zero).
     */
    private static void assertClose(String what, float[] x, int rows, WeightMatrix w, float[] expected, float[] actual) {
        int in = w.cols();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < w.rows(); o++) {
                double magnitude = 0;
                for (int k = 0; k < in; k++) {
                    magnitude += Math.abs((double) x[r * in + k] * w.floats()[o * in + k]);
                }
                int i = r * w.rows() + o;
                double tol = 1e-5 * Math.max(magnitude, 1e-6);
                if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                    fail(what + ": row " + r + " col " + o + " expected " + expected[i] + " got " + actual[i]
                            + " (tolerance " + tol + ")");
                }
            }
        }
    }

    /** Both batch-invariant implementations: scalar Java, and SIMD (the test JVM has the Vector API module). */
    static Stream<Arguments> fixedOrderKernels() {
        return Stream.of(
                Arguments.of("scalar", (IntFunction<Kernels>) t -> withPool(t, FixedOrderMatmul::new,
                        new PlainLayerMath())),
                Arguments.of("simd", (IntFunction<Kernels>) t -> withPool(t, VectorFixedOrderMatmul::new,
                        new VectorLayerMath())));
    }

    /** Kernels with these products (and the plain attention: the tests that use this check products only). */
    static Kernels withPool(int threads, java.util.function.Function<ThreadPool, MatmulKernel> matmul) {
        return withPool(threads, matmul, new PlainLayerMath());
    }

    static Kernels withPool(int threads, java.util.function.Function<ThreadPool, MatmulKernel> matmul,
                            LayerMath attention) {
        ThreadPool pool = new ThreadPool(threads);
        return new CpuKernels(matmul.apply(pool), attention, pool, true);
    }

    /**
     * Attention of every backend family agrees with the reference on random data (head dims with and without a
     * partial 8-wide block, grouped KV heads, prefill rows at several positions of two sequences), and a row's
     * bits do not depend on the rows beside it or the thread count.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedOrderKernels")
    void attentionAgreesWithReferenceAndIgnoresItsBatch(String name, IntFunction<Kernels> kernels) {
        SplittableRandom r = new SplittableRandom(5);
        int[][] shapes = {{1, 1, 3}, {4, 2, 8}, {4, 1, 20}, {8, 8, 64}, {6, 3, 128}};
        try (Kernels ref = CpuKernels.reference(); Kernels one = kernels.apply(1); Kernels three = kernels.apply(3)) {
            for (int[] sh : shapes) {
                Kernels.AttentionShape shape = new Kernels.AttentionShape(sh[0], sh[1], sh[2]);
                int length = 37;
                HostBuffer[] keys = {new HostBuffer(random(r, length * shape.kvDim())),
                    new HostBuffer(random(r, length * shape.kvDim()))};
                HostBuffer[] values = {new HostBuffer(random(r, length * shape.kvDim())),
                    new HostBuffer(random(r, length * shape.kvDim()))};
                int[] sequence = {0, 0, 1, 1, 0};
                int[] positions = {0, 36, 5, 20, 11};
                int tokens = sequence.length;
                float[] q = random(r, tokens * shape.qDim());
                float[] expected = attend(ref, q, tokens, shape, sequence, positions, keys, values);
                float[] batch = attend(three, q, tokens, shape, sequence, positions, keys, values);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], batch[i], 1e-5f * (1 + Math.abs(expected[i])), name + " " + shape + " " + i);
                }
                for (int t = 0; t < tokens; t++) { // each row alone, on one thread: the same bits
                    float[] row = Arrays.copyOfRange(q, t * shape.qDim(), (t + 1) * shape.qDim());
                    float[] alone = attend(one, row, 1, shape, new int[] {sequence[t]}, new int[] {positions[t]},
                            keys, values);
                    assertArrayEquals(Arrays.copyOfRange(batch, t * shape.qDim(), (t + 1) * shape.qDim()), alone,
                            name + " " + shape + " row " + t + " alone");
                }
                HostBuffer ranged = new HostBuffer(tokens * shape.qDim()); // as batches of a group: 2, 0 and 3 rows
                Arrays.fill(ranged.data(), Float.NaN);
                HostBuffer qs = new HostBuffer(q.clone());
                three.attention(qs, ranged, 2, 5, shape, sequence, positions, keys, values);
                for (int i = 0; i < 2 * shape.qDim(); i++) {
                    assertTrue(Float.isNaN(ranged.data()[i]), name + " rows outside the range are left alone");
                }
                three.attention(qs, ranged, 2, 2, shape, sequence, positions, keys, values);
                three.attention(qs, ranged, 0, 2, shape, sequence, positions, keys, values);
                assertArrayEquals(batch, ranged.data(), name + " " + shape + " by ranges");
            }
        }
    }

    /** SiLU-multiply of every family agrees with the reference, and an element's bits do not depend on n. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedOrderKernels")
    void siluMulAgreesWithReferenceAndIgnoresItsBatch(String name, IntFunction<Kernels> kernels) {
        SplittableRandom r = new SplittableRandom(9);
        int n = (1 << 16) + 5; // a partial vector at the end
        float[] gate = random(r, n);
        float[] up = random(r, n);
        for (int i = 0; i < n; i += 97) {
            gate[i] *= 40; // large arguments: exp under- and overflow
        }
        try (Kernels ref = CpuKernels.reference(); Kernels three = kernels.apply(3); Kernels one = kernels.apply(1)) {
            float[] expected = siluMul(ref, gate, up, n);
            float[] all = siluMul(three, gate, up, n);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], all[i], 1e-6f * (1 + Math.abs(expected[i])), name + " element " + i);
            }
            float[] few = siluMul(one, Arrays.copyOf(gate, 13), Arrays.copyOf(up, 13), 13);
            assertArrayEquals(Arrays.copyOf(all, 13), few, name + ": the first 13 alone");
        }
    }

    /**
     * An element's SiLU bits ignore where it falls relative to a whole vector and whether the loop runs compiled:
     * shifted by 1 to 7 places (so lanes become tail elements and back), after enough calls for the JIT to compile
     * the loop, every family gives the cold first call's bits. The Vector API's own exp failed this.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedOrderKernels")
    void siluMulBitsIgnoreVectorAlignmentAndTheJit(String name, IntFunction<Kernels> kernels) {
        SplittableRandom r = new SplittableRandom(10);
        int n = 4099;
        float[] gate = random(r, n);
        float[] up = random(r, n);
        for (int i = 0; i < n; i += 31) {
            gate[i] *= 30;
        }
        try (Kernels k = kernels.apply(1)) {
            float[] cold = siluMul(k, gate, up, n);
            for (int warm = 0; warm < 300; warm++) {
                siluMul(k, gate, up, n);
            }
            assertArrayEquals(cold, siluMul(k, gate, up, n), name + ": compiled and first call");
            for (int shift = 1; shift < 8; shift++) {
                float[] g = new float[n + shift];
                float[] u = new float[n + shift];
                System.arraycopy(gate, 0, g, shift, n);
                System.arraycopy(up, 0, u, shift, n);
                float[] shifted = siluMul(k, g, u, n + shift);
                assertArrayEquals(cold, Arrays.copyOfRange(shifted, shift, n + shift), name + " shifted " + shift);
            }
        }
    }

    private static float[] siluMul(Kernels k, float[] gate, float[] up, int n) {
        HostBuffer g = new HostBuffer(gate.clone());
        k.siluMul(g, new HostBuffer(up.clone()), n);
        return g.data();
    }

    private static float[] attend(Kernels k, float[] q, int tokens, Kernels.AttentionShape shape, int[] sequence,
                                  int[] positions, HostBuffer[] keys, HostBuffer[] values) {
        HostBuffer out = new HostBuffer(tokens * shape.qDim());
        k.attention(new HostBuffer(q.clone()), out, 0, tokens, shape, sequence, positions, keys, values);
        return out.data();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedOrderKernels")
    void fixedOrderAgreesWithReference(String name, IntFunction<Kernels> kernels) {
        SplittableRandom r = new SplittableRandom(11);
        try (Kernels ref = CpuKernels.reference(); Kernels fixed = kernels.apply(3)) {
            for (int[] s : SHAPES) {
                WeightMatrix w = matrix(s[2], s[1], random(r, s[2] * s[1]));
                float[] x = random(r, s[0] * s[1]);
                assertClose(name + " " + Arrays.toString(s), x, s[0], w, run(ref, x, s[0], w), run(fixed, x, s[0], w));
            }
        }
    }

    @Test
    void blasAgreesWithReference() {
        BLAS blas = CpuKernelsFactory.loadNativeBlas();
        Assumptions.assumeTrue(blas != null, "no native BLAS on this machine: the OpenBLAS kernels are not tested");
        SplittableRandom r = new SplittableRandom(12);
        try (Kernels ref = CpuKernels.reference();
             Kernels fast = withPool(2, p -> new BlasMatmul(blas, ScalarWidening::widen));
             Kernels hybrid = withPool(2, p -> new SplitMatmul(new BlasMatmul(blas, VectorWidening::widen),
                     new VectorFixedOrderMatmul(p)))) {
            for (int[] s : SHAPES) {
                WeightMatrix w = matrix(s[2], s[1], random(r, s[2] * s[1]));
                float[] x = random(r, s[0] * s[1]);
                float[] expected = run(ref, x, s[0], w);
                assertClose("openblas " + Arrays.toString(s), x, s[0], w, expected, run(fast, x, s[0], w));
                assertClose("openblas+simd " + Arrays.toString(s), x, s[0], w, expected, run(hybrid, x, s[0], w));
            }
        }
    }

    @Test
    void factoryHonoursTheInvarianceRequest() {
        try (Kernels invariant = CpuKernelsFactory.create(true, 2)) {
            assertTrue(invariant.batchInvariant());
            // The test JVM runs with the Vector API module, so the SIMD variant is chosen.
            assertEquals("fixed-order-simd", invariant.name());
        }
        try (Kernels fast = CpuKernelsFactory.create(false, 2)) {
            if (CpuKernelsFactory.loadNativeBlas() != null) {
                // The fast mode does not claim batch invariance: OpenBLAS blocks by problem size.
                assertTrue(fast.name().startsWith("openblas"), fast.name());
                assertFalse(fast.batchInvariant());
            } else {
                assertTrue(fast.batchInvariant(), "without BLAS the factory falls back to fixed-order kernels");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedOrderKernels")
    void fixedOrderRowIsBitIdenticalWhateverTheBatchAndThreads(String name, IntFunction<Kernels> kernels) {
        SplittableRandom r = new SplittableRandom(13);
        // 131: a tail after whole 4- and 16-wide blocks; 139: an odd 8-wide SIMD block too; 5: no block at all.
        for (int in : new int[] {131, 139, 5}) {
            int out = 77; // not a multiple of the 32-row weight tile
            WeightMatrix w = matrix(out, in, random(r, out * in));
            float[] probe = random(r, in);
            float[] alone;
            try (Kernels single = kernels.apply(1)) {
                alone = run(single, probe, 1, w);
            }
            for (int threads = 1; threads <= 3; threads++) {
                try (Kernels k = kernels.apply(threads)) {
                    assertArrayEquals(alone, run(k, probe, 1, w), "alone with " + threads + " threads");
                    for (int rows : new int[] {2, 3, 8, 33}) {
                        for (int at : new int[] {0, rows / 2, rows - 1}) {
                            float[] x = random(r, rows * in);
                            System.arraycopy(probe, 0, x, at * in, in);
                            float[] y = run(k, x, rows, w);
                            float[] row = Arrays.copyOfRange(y, at * out, (at + 1) * out);
                            assertArrayEquals(alone, row, name + " in=" + in + ": row " + at + " of " + rows
                                    + " with " + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void parallelForCoversTheRangeExactlyOnce() {
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                for (int n : new int[] {0, 1, 2, 3, 7, 100}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
                    pool.parallelFor(n, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "index " + i + " of " + n + " with " + threads + " threads");
                    }
                }
            }
        }
    }
}
