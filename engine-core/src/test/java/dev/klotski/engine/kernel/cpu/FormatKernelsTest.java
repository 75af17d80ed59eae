package dev.klotski.engine.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.HalfFloats;
import dev.klotski.engine.tensor.HostBuffer;
import dev.klotski.engine.tensor.Quantizer;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;
import dev.ludovic.netlib.blas.BLAS;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every matmul implementation on every weight format: agreement with the reference, batch invariance of the
 * fixed-order families, and exact widening (a compact matrix gives the bits of the float32 matrix holding its
 * widened values, whether a kernel widens in registers or into a tile buffer).
 */
class FormatKernelsTest {

    /** A weight format with its group size (0 for the float formats). */
    record Layout(WeightFormat format, int group) {
        @Override
        public String toString() {
            return format.label() + (group > 0 ? "/g" + group : "");
        }

        /**
         * Input dimensions to test: with 16-, 8- and 4-wide tails where the format allows them; 528 and 1024 are
         * wide rows for the fast bf16 kernels (four streams at 528 = 16·33, two at 1024 = 32·32).
         */
        int[] ins() {
            if (group == 0) {
                return new int[] {1, 5, 16, 24, 48, 131, 139, 250, 256, 528, 1024};
            }
            return new int[] {group, 3 * group, 5 * group, Math.max(9 * group, 288 / group * group)};
        }
    }

    /**
     * The float formats, the GGUF group of 32, groups of 16 and 64 (in-register paths), and groups that are not
     * a multiple of 16 (Q8 g24: odd 8-wide blocks per group; Q4 g8 and Q8 g6: the scalar fallbacks).
     */
    static final List<Layout> LAYOUTS = List.of(
            new Layout(WeightFormat.F32, 0), new Layout(WeightFormat.F16, 0), new Layout(WeightFormat.BF16, 0),
            new Layout(WeightFormat.Q8, 32), new Layout(WeightFormat.Q4, 32), new Layout(WeightFormat.Q8, 16),
            new Layout(WeightFormat.Q4, 16), new Layout(WeightFormat.Q8, 64), new Layout(WeightFormat.Q4, 64),
            new Layout(WeightFormat.Q8, 24), new Layout(WeightFormat.Q4, 8), new Layout(WeightFormat.Q8, 6));

    /**
     * Row counts: 1 to 8 cover every in-register row blocking (4-row kernels, a repeated last row for 3 left,
     * 1-row dots for 1 or 2 left) and the switch to the tile buffer; 13 and 33 (past the small-batch split).
     */
    private static final int[] ROWS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 33};

    static Stream<Layout> layouts() {
        return LAYOUTS.stream();
    }

    static Stream<Arguments> fixedOrderFamilies() {
        List<Arguments> out = new ArrayList<>();
        for (Layout l : LAYOUTS) {
            out.add(Arguments.of("scalar", l));
            out.add(Arguments.of("simd", l));
        }
        return out.stream();
    }

    static Kernels family(String name, int threads) {
        return KernelAgreementTest.withPool(threads, name.equals("simd") ? VectorFixedOrderMatmul::new
                : FixedOrderMatmul::new);
    }

    // ---- data ----

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /**
     * A random matrix in the layout. F16 and BF16 get edge values among ordinary ones: ±0, subnormals (f16's
     * and, for bf16, float32's), the largest finite f16 and tiny normals; Q8/Q4 come from {@link Quantizer},
     * with an all-zero group and groups of very different magnitudes.
     */
    static WeightMatrix matrix(SplittableRandom r, Layout l, int rows, int cols) {
        int n = rows * cols;
        switch (l.format()) {
            case F16, BF16 -> {
                boolean f16 = l.format() == WeightFormat.F16;
                short[] bits = new short[n];
                for (int i = 0; i < n; i++) {
                    int kind = r.nextInt(16);
                    int sign = r.nextBoolean() ? 0x8000 : 0;
                    int b;
                    if (kind == 0) {
                        b = sign; // ±0
                    } else if (kind <= 2) {
                        b = sign | (1 + r.nextInt(f16 ? 0x3FF : 0x7F)); // subnormal
                    } else if (kind == 3) {
                        b = sign | (f16 ? 0x0400 + r.nextInt(0x400) : 0x0080 + r.nextInt(0x80)); // smallest normals
                    } else if (kind == 4 && f16) {
                        b = sign | 0x7BFF; // largest finite f16
                    } else {
                        float v = (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(12) - 8));
                        b = (f16 ? HalfFloats.floatToF16(v) : HalfFloats.floatToBf16(v)) & 0xFFFF;
                    }
                    bits[i] = (short) b;
                }
                return WeightMatrix.halves(rows, cols, l.format(), bits);
            }
            case Q8, Q4 -> {
                float[] v = random(r, n, 1);
                for (int g = 0; g < n / l.group(); g++) {
                    double scale = g % 7 == 3 ? 0 : Math.pow(2, r.nextInt(10) - 6);
                    for (int j = 0; j < l.group(); j++) {
                        v[g * l.group() + j] *= (float) scale;
                    }
                }
                return Quantizer.quantize(v, rows, cols, l.format(), l.group());
            }
            default -> {
                return WeightMatrix.f32(rows, cols, random(r, n, 1));
            }
        }
    }

    /** The float32 matrix holding w's widened values. */
    static WeightMatrix widened(WeightMatrix w) {
        return WeightMatrix.f32(w.rows(), w.cols(), WeightRows.toFloats(w));
    }

    static float[] run(Kernels k, float[] x, int rows, WeightMatrix w) {
        float[] out = new float[rows * w.rows()];
        Arrays.fill(out, Float.NaN); // matmul must overwrite every element
        k.matmul(new HostBuffer(x), rows, w, new HostBuffer(out));
        return out;
    }

    /** As {@link KernelAgreementTest}'s check: within 1e-5 of the sum of |x·w| terms. */
    static void assertClose(String what, float[] x, int rows, WeightMatrix w, float[] expected, float[] actual) {
        float[] wf = WeightRows.toFloats(w);
        int in = w.cols();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < w.rows(); o++) {
                double magnitude = 0;
                for (int k = 0; k < in; k++) {
                    magnitude += Math.abs((double) x[r * in + k] * wf[o * in + k]);
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

    static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    // ---- widening ----

    /** Each tile widener gives WeightRows' bits for any row range (the kernels' exactness rests on it). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void tileWidenersMatchWeightRows(Layout l) {
        SplittableRandom r = new SplittableRandom(21);
        for (int in : l.ins()) {
            WeightMatrix w = matrix(r, l, 37, in);
            float[] all = WeightRows.toFloats(w);
            for (TileWidener widener : List.<TileWidener>of(ScalarWidening::widen, VectorWidening::widen)) {
                for (int[] range : new int[][] {{0, 37}, {0, 1}, {5, 32}, {36, 1}, {3, 7}}) {
                    float[] dst = new float[range[1] * in + 3];
                    Arrays.fill(dst, Float.NaN);
                    widener.widen(w, range[0], range[1], dst, 3);
                    assertSameBits(Arrays.copyOfRange(all, range[0] * in, (range[0] + range[1]) * in),
                            Arrays.copyOfRange(dst, 3, dst.length),
                            l + " in=" + in + " rows " + Arrays.toString(range));
                }
            }
        }
    }

    /** Every f16 bit pattern, infinities and NaNs included, widens as HalfFloats.f16ToFloat says. */
    @Test
    void everyF16PatternWidensExactly() {
        short[] bits = new short[1 << 16];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) i;
        }
        WeightMatrix w = WeightMatrix.halves(1 << 8, 1 << 8, WeightFormat.F16, bits);
        float[] expected = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            expected[i] = HalfFloats.f16ToFloat(bits[i]);
        }
        for (TileWidener widener : List.<TileWidener>of(ScalarWidening::widen, VectorWidening::widen)) {
            float[] dst = new float[bits.length];
            widener.widen(w, 0, w.rows(), dst, 0);
            assertSameBits(expected, dst, "f16 widening");
        }
    }

    // ---- products ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void everyImplementationAgreesWithTheReference(Layout l) {
        BLAS blas = CpuKernelsFactory.loadNativeBlas();
        SplittableRandom r = new SplittableRandom(22);
        List<String> names = new ArrayList<>(List.of("scalar", "simd", "fast-simd"));
        List<Kernels> kernels = new ArrayList<>(List.of(family("scalar", 3), family("simd", 3),
                KernelAgreementTest.withPool(3, p -> new FastSmallMatmul(new VectorFixedOrderMatmul(p), p))));
        if (blas != null) {
            names.addAll(List.of("openblas", "openblas+simd"));
            kernels.add(KernelAgreementTest.withPool(2, p -> new BlasMatmul(blas, VectorWidening::widen)));
            kernels.add(KernelAgreementTest.withPool(2, p -> new SplitMatmul(
                    new BlasMatmul(blas, VectorWidening::widen), new VectorFixedOrderMatmul(p))));
            names.add("openblas(scalar widening)");
            kernels.add(KernelAgreementTest.withPool(1, p -> new BlasMatmul(blas, ScalarWidening::widen)));
        }
        try (Kernels ref = CpuKernels.reference()) {
            for (int in : l.ins()) {
                for (int out : new int[] {1, 33, 77}) {
                    WeightMatrix w = matrix(r, l, out, in);
                    for (int rows : ROWS) {
                        float[] x = random(r, rows * in, 1);
                        float[] expected = run(ref, x, rows, w);
                        for (int i = 0; i < kernels.size(); i++) {
                            assertClose(names.get(i) + " " + l + " rows=" + rows + " in=" + in + " out=" + out,
                                    x, rows, w, expected, run(kernels.get(i), x, rows, w));
                        }
                    }
                }
            }
        } finally {
            kernels.forEach(Kernels::close);
        }
        Assumptions.assumeTrue(blas != null, "no native BLAS on this machine: the OpenBLAS kernels are not tested");
    }

    /** The layouts the fast kernels take: bf16, and int8 with a power-of-two group of 32 or more. */
    static Stream<Layout> fastLayouts() {
        return Stream.of(new Layout(WeightFormat.BF16, 0), new Layout(WeightFormat.Q8, 32),
                new Layout(WeightFormat.Q8, 64));
    }

    /**
     * The fast kernels read each thread's rows as two or four long streams, so which rows run together depends
     * on the thread count; a row's bits must not (a Spark retry may land on an executor of other size).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fastLayouts")
    void fastProductsDoNotDependOnTheThreadCount(Layout layout) {
        SplittableRandom r = new SplittableRandom(5);
        // bf16: four streams, four at a wide width, two; int8: three groups, then a wide row
        int[] ins = layout.format() == WeightFormat.BF16
                ? new int[] {128, 528, 1024}
                : new int[] {3 * layout.group(), 1024};
        List<Kernels> byThreads = new ArrayList<>(); // 1, 2 and 3 threads
        for (int threads = 1; threads <= 3; threads++) {
            byThreads.add(KernelAgreementTest.withPool(threads,
                    p -> new FastSmallMatmul(new VectorFixedOrderMatmul(p), p)));
        }
        try {
            for (int in : ins) {
                for (int outDim : new int[] {77, 2001}) { // 2001 rows: split over the threads at every width
                    WeightMatrix w = matrix(r, layout, outDim, in);
                    for (int rows : new int[] {1, 2, 3, 4, 5, 9, 33}) {
                        float[] x = random(r, rows * in, 1);
                        float[] one = run(byThreads.get(0), x, rows, w);
                        for (int t = 1; t < byThreads.size(); t++) {
                            assertArrayEquals(one, run(byThreads.get(t), x, rows, w), "in=" + in + " out=" + outDim
                                    + " rows=" + rows + ": " + (t + 1) + " threads against 1");
                        }
                    }
                }
            }
        } finally {
            byThreads.forEach(Kernels::close);
        }
    }

    /** From four rows on (int8: three), the fast kernel gives a row the same bits at any position of any batch. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fastLayouts")
    void fastBatchRowsDoNotDependOnTheirPosition(Layout layout) {
        SplittableRandom r = new SplittableRandom(6);
        WeightMatrix w = matrix(r, layout, 333, 256);
        float[] x = random(r, 40 * 256, 1);
        try (Kernels k = KernelAgreementTest.withPool(2, p -> new FastSmallMatmul(new VectorFixedOrderMatmul(p), p))) {
            float[] all = run(k, x, 40, w);
            int[][] calls = {{4, 0}, {5, 4}, {7, 2}, {33, 32}, {37, 3}, {3, 2}}; // rows, the row's position
            for (int[] call : layout.format() == WeightFormat.BF16 ? Arrays.copyOf(calls, 5) : calls) {
                int rows = call[0], at = call[1];
                float[] xs = new float[rows * 256];
                for (int j = 0; j < rows; j++) { // x's rows in another order, our row at position `at`
                    int from = j == at ? 0 : 1 + (j + 5) % 39;
                    System.arraycopy(x, from * 256, xs, j * 256, 256);
                }
                float[] got = run(k, xs, rows, w);
                assertArrayEquals(Arrays.copyOfRange(all, 0, 333), Arrays.copyOfRange(got, at * 333, at * 333 + 333),
                        "row 0 of 40 against position " + at + " of " + rows);
            }
        }
    }

    /** A row's bits are the same alone and at any position of batches of 2 to 9 and 33, on 1 to 3 threads. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixedOrderFamilies")
    void fixedOrderRowIsBitIdenticalWhateverTheBatchAndThreads(String family, Layout l) {
        SplittableRandom r = new SplittableRandom(23);
        int out = 77; // not a multiple of the 32-row weight tile
        for (int in : l.ins()) {
            WeightMatrix w = matrix(r, l, out, in);
            float[] probe = random(r, in, 1);
            float[] alone;
            try (Kernels single = family(family, 1)) {
                alone = run(single, probe, 1, w);
            }
            for (int threads = 1; threads <= 3; threads++) {
                try (Kernels k = family(family, threads)) {
                    assertSameBits(alone, run(k, probe, 1, w), "alone with " + threads + " threads");
                    for (int rows : new int[] {2, 3, 4, 5, 7, 8, 9, 33}) {
                        for (int at : new int[] {0, rows / 2, rows - 1}) {
                            float[] x = random(r, rows * in, 1);
                            System.arraycopy(probe, 0, x, at * in, in);
                            float[] row = Arrays.copyOfRange(run(k, x, rows, w), at * out, (at + 1) * out);
                            assertSameBits(alone, row, family + " " + l + " in=" + in + ": row " + at + " of "
                                    + rows + " with " + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    /**
     * A compact matrix gives exactly the bits of the float32 matrix of its widened values, for every row count
     * (so for the in-register and the tile-buffer widening alike): widening is exact and the order is float32's.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixedOrderFamilies")
    void compactBitsEqualTheWidenedFloat32Bits(String family, Layout l) {
        SplittableRandom r = new SplittableRandom(24);
        try (Kernels k = family(family, 2)) {
            for (int in : l.ins()) {
                WeightMatrix w = matrix(r, l, 77, in);
                WeightMatrix f = widened(w);
                for (int rows : ROWS) {
                    float[] x = random(r, rows * in, 1);
                    assertSameBits(run(k, x, rows, f), run(k, x, rows, w),
                            family + " " + l + " in=" + in + " rows=" + rows);
                }
            }
        }
    }
}
