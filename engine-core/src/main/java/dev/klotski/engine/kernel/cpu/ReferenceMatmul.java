package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;

/** The plainest product: one thread, each weight row widened by {@link WeightRows}, sums in index order. */
final class ReferenceMatmul implements MatmulKernel {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public boolean batchInvariant() {
        return true;
    }

    @Override
    public void matmul(float[] x, int rows, WeightMatrix w, float[] out) {
        int in = w.cols();
        int outDim = w.rows();
        float[] row = new float[in]; // the reference may allocate: it is for tests
        for (int o = 0; o < outDim; o++) {
            WeightRows.widen(w, o, row, 0);
            for (int r = 0; r < rows; r++) {
                float sum = 0f;
                for (int k = 0; k < in; k++) {
                    sum += x[r * in + k] * row[k];
                }
                out[r * outDim + o] = sum;
            }
        }
    }
}
