package dev.klotski.engine.model.layers;

/** RMSNorm: {@code x / sqrt(mean(x²) + eps) * w}, applied to consecutive groups of {@code weight.length} values. */
public record RmsNorm(float[] weight, float eps) { // weight (dim)

    public int dim() {
        return weight.length;
    }

    /** Normalises every group of dim() values of x into a new array (x is left as it is). */
    public float[] apply(float[] x) {
        float[] out = new float[x.length];
        applyTo(x, out);
        return out;
    }

    /** Normalises in place: used for per-head q/k norms. */
    public void applyInPlace(float[] x) {
        applyTo(x, x);
    }

    private void applyTo(float[] x, float[] out) {
        int dim = weight.length;
        if (x.length % dim != 0) {
            throw new IllegalArgumentException("RMSNorm of width " + dim + " cannot split " + x.length + " values");
        }
        for (int off = 0; off < x.length; off += dim) {
            // Accumulate in double, in index order: accurate and independent of batching.
            double sumSquares = 0;
            for (int i = 0; i < dim; i++) {
                sumSquares += (double) x[off + i] * x[off + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sumSquares / dim + eps));
            for (int i = 0; i < dim; i++) {
                out[off + i] = (x[off + i] * scale) * weight[i];
            }
        }
    }
}
