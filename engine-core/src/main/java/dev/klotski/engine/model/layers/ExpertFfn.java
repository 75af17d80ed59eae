package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.WeightMatrix;

/**
 * One SwiGLU feed-forward block, {@code down(silu(gate·x) ⊙ up·x)}: a routed expert, a shared expert, or a
 * dense MLP layer.
 */
public record ExpertFfn(WeightMatrix gate, WeightMatrix up, WeightMatrix down) { // gate, up (inter, hidden); down (hidden, inter)

    /** out (rows, hidden) = block(x (rows, hidden)), with ws.gate and ws.up as scratch. */
    public void apply(Kernels kernels, Workspace ws, Buffer x, int rows, Buffer out) {
        kernels.matmul(x, rows, gate, ws.gate); // (rows, inter)
        kernels.matmul(x, rows, up, ws.up);     // (rows, inter)
        kernels.siluMul(ws.gate, ws.up, rows * gate.rows());
        kernels.matmul(ws.gate, rows, down, out);
    }

    /** Bytes the three matrices hold. */
    public long heldBytes() {
        return gate.heldBytes() + up.heldBytes() + down.heldBytes();
    }
}
