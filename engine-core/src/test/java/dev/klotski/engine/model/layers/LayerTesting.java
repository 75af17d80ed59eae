package dev.klotski.engine.model.layers;

import static org.junit.jupiter.api.Assertions.fail;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.HostBuffer;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Kernel families and float64 helpers shared by the building-block tests. */
final class LayerTesting {
    private LayerTesting() {
    }

    /**
     * The reference kernels and the factory's fast and batch-invariant ones (two threads, so the parallel paths
     * run), by name: {@code @MethodSource("dev.klotski.engine.model.layers.LayerTesting#kernels")}.
     */
    static Stream<Arguments> kernels() {
        return Stream.of(
                Arguments.of("reference", (Supplier<Kernels>) CpuKernels::reference),
                Arguments.of("fast", (Supplier<Kernels>) () -> CpuKernelsFactory.create(false, 2)),
                Arguments.of("batch-invariant", (Supplier<Kernels>) () -> CpuKernelsFactory.create(true, 2)),
                Arguments.of("scalar-fixed-order", (Supplier<Kernels>) () -> CpuKernelsFactory.scalarFixedOrder(2)));
    }

    static float[] host(Buffer b) {
        return HostBuffer.of(b);
    }

    static Buffer buffer(float... values) {
        return new HostBuffer(values.clone());
    }

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    static WeightMatrix randomMatrix(SplittableRandom r, int rows, int cols) {
        return WeightMatrix.f32(rows, cols, random(r, rows * cols, 1.0 / Math.sqrt(cols)));
    }

    static WeightMatrix identity(int n) {
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1f;
        }
        return WeightMatrix.f32(n, n, v);
    }

    /** w (out, in) · x (in), in double. */
    static double[] matvec(WeightMatrix w, double[] x) {
        double[] out = new double[w.rows()];
        for (int o = 0; o < w.rows(); o++) {
            for (int k = 0; k < w.cols(); k++) {
                out[o] += (double) w.floats()[o * w.cols() + k] * x[k];
            }
        }
        return out;
    }

    static double[] row(float[] values, int row, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = values[row * width + i];
        }
        return out;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** SwiGLU in double: down · (silu(gate · x) ⊙ up · x). */
    static double[] swiglu(ExpertFfn f, double[] x) {
        double[] g = matvec(f.gate(), x);
        double[] u = matvec(f.up(), x);
        double[] h = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            h[i] = g[i] * sigmoid(g[i]) * u[i];
        }
        return matvec(f.down(), h);
    }

    static void assertClose(String what, double[] expected, float[] actual, int offset, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[offset + i]) <= tolerance)) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[offset + i]
                        + " (tolerance " + tolerance + ")");
            }
        }
    }
}
