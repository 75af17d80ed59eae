package dev.klotski.engine.model.layers;

/**
 * Rotary position embedding in the HuggingFace "rotate_half" (NEOX) layout: element i of a head is paired
 * with element i + headDim/2, not with its neighbour.
 */
public final class RotaryEmbedding {
    private final int headDim;
    private final float[] inverseFrequencies; // (headDim / 2)

    public RotaryEmbedding(int headDim, double theta) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even head_dim, got " + headDim);
        }
        this.headDim = headDim;
        this.inverseFrequencies = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            inverseFrequencies[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
    }

    /** Rotates {@code heads} consecutive heads starting at {@code offset} for a token at {@code position}. */
    public void apply(float[] x, int offset, int heads, int position) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = (double) position * inverseFrequencies[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int base = offset + h * headDim;
                float a = x[base + i];
                float b = x[base + i + half];
                x[base + i] = a * cos - b * sin;
                x[base + i + half] = b * cos + a * sin;
            }
        }
    }
}
