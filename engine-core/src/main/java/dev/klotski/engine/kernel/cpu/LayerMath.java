package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels.AttentionShape;

/**
 * The math of a CPU backend family besides its products: attention per (token, head) and the experts' SiLU.
 * Each result element depends only on its own inputs (a pair's query and its sequence's cache; one element of
 * gate and up), so any implementation is batch-invariant; implementations differ in summation order and in how
 * exp is evaluated, hence in bits.
 */
interface LayerMath {

    /**
     * softmax(q·Kᵀ/√d)·V for one (token, head) pair over its first {@code length} cached positions.
     *
     * @param queries (T, qDim) rows of queries; the pair's slice is row t, head h
     * @param context (T, qDim) output, written for row t, head h only
     * @param keys    (positions, kvDim) the sequence's cached keys
     * @param values  (positions, kvDim) the sequence's cached values
     * @param scores  (length) scratch
     */
    void attendOne(float[] queries, float[] context, AttentionShape shape, int t, int h, int length, float[] keys,
                   float[] values, float[] scores);

    /** gate[i] = silu(gate[i]) · up[i] for i in [from, to). */
    void siluMul(float[] gate, float[] up, int from, int to);
}
