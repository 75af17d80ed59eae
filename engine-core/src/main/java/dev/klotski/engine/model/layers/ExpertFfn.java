package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/**
 * One SwiGLU feed-forward block, {@code down(silu(gate·x) ⊙ up·x)}: a routed expert, a shared expert, or a
 * dense MLP layer.
 */
public record ExpertFfn(Matrix gate, Matrix up, Matrix down) { // gate, up (inter, hidden); down (hidden, inter)

    /** Computes the block for {@code rows} rows of x (rows, hidden); returns (rows, hidden). */
    public float[] apply(Kernels kernels, float[] x, int rows) {
        int inter = gate.rows();
        float[] g = new float[rows * inter];
        float[] u = new float[rows * inter];
        kernels.matmul(x, rows, gate, g);
        kernels.matmul(x, rows, up, u);
        for (int i = 0; i < g.length; i++) {
            float v = g[i];
            g[i] = v / (1f + (float) Math.exp(-v)) * u[i];
        }
        float[] out = new float[rows * down.rows()];
        kernels.matmul(g, rows, down, out);
        return out;
    }
}
