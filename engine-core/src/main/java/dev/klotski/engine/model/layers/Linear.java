package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/** A linear projection {@code y = x · Wᵀ (+ b)}. */
public record Linear(Matrix weight, float[] bias) { // weight (out, in); bias (out) or null

    public static Linear of(Matrix weight) {
        return new Linear(weight, null);
    }

    public int inDim() {
        return weight.cols();
    }

    public int outDim() {
        return weight.rows();
    }

    /** Applies the projection to {@code rows} rows of x (rows, in) and returns (rows, out). */
    public float[] apply(Kernels kernels, float[] x, int rows) {
        float[] out = new float[rows * outDim()];
        kernels.matmul(x, rows, weight, out);
        if (bias != null) {
            int n = outDim();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < n; o++) {
                    out[r * n + o] += bias[o];
                }
            }
        }
        return out;
    }
}
