package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.WeightMatrix;

/** A linear projection {@code y = x · Wᵀ (+ b)}. */
public record Linear(WeightMatrix weight, WeightMatrix bias) { // weight (out, in); bias (1, out) or null

    public static Linear of(WeightMatrix weight) {
        return new Linear(weight, null);
    }

    public int inDim() {
        return weight.cols();
    }

    public int outDim() {
        return weight.rows();
    }

    /** out (rows, out) = x (rows, in) · Wᵀ + b. */
    public void apply(Kernels kernels, Buffer x, int rows, Buffer out) {
        kernels.matmul(x, rows, weight, out);
        if (bias != null) {
            kernels.addBias(out, rows, bias);
        }
    }
}
