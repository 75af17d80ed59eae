package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.WeightMatrix;

/** RMSNorm: {@code x / sqrt(mean(x²) + eps) * w}, applied to consecutive groups of {@code dim()} values. */
public record RmsNorm(WeightMatrix weight, float eps) { // weight (1, dim) f32

    public int dim() {
        return weight.cols();
    }

    /** Normalises {@code groups} groups of x into out (which may be x). */
    public void apply(Kernels kernels, Buffer x, Buffer out, int groups) {
        kernels.rmsNorm(x, out, groups, weight, eps);
    }
}
