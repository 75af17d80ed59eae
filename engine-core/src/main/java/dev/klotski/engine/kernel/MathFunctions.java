package dev.klotski.engine.kernel;

/**
 * The scalar functions every host-side backend and the sampler share, so each is defined once: softmax,
 * sigmoid, SiLU.
 */
public final class MathFunctions {
    private MathFunctions() {
    }

    /** Softmax of x[off .. off+n) in place: exponentials of x - max, then each divided by their sum. */
    public static void softmaxInPlace(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - max);
            sum += x[off + i];
        }
        for (int i = 0; i < n; i++) {
            x[off + i] /= sum;
        }
    }

    /** 1 / (1 + e^-x), evaluated in double. */
    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /** x · sigmoid(x), as HF's SiLU: x / (1 + e^-x). */
    public static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }
}
