package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;

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

    /** Rotates x (tokens, heads * headDim) in place, token t at positions[t]. */
    public void apply(Kernels kernels, Buffer x, int tokens, int heads, int[] positions) {
        kernels.rope(x, tokens, heads, headDim, positions, inverseFrequencies);
    }
}
