package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/**
 * The plainest possible kernels: one thread, sums in index order. Slow; every other backend is tested
 * against it.
 */
public final class ReferenceKernels implements Kernels {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public boolean batchInvariant() {
        return true;
    }

    @Override
    public void matmul(float[] x, int rows, Matrix w, float[] out) {
        int in = w.cols();
        int outDim = w.rows();
        float[] wd = w.data();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outDim; o++) {
                float sum = 0f;
                for (int k = 0; k < in; k++) {
                    sum += x[r * in + k] * wd[o * in + k];
                }
                out[r * outDim + o] = sum;
            }
        }
    }

    @Override
    public void parallelFor(int n, RangeBody body) {
        if (n > 0) {
            body.run(0, n);
        }
    }

    @Override
    public void close() {
    }
}
