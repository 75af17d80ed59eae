package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.MathFunctions;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.HostBuffer;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;

/**
 * The CPU backend: host buffers, a matmul strategy ({@link MatmulKernel}) and one implementation of every other
 * operation. Those are today's plain math, the same for all CPU backends: only the products differ between the
 * reference, the batch-invariant and the fast kernels, so the rest is tested once against the reference.
 * Attention is split over (token, head) pairs on the pool; each pair is computed the same way on any thread.
 */
public final class CpuKernels implements Kernels {
    /** Attention work (score positions summed over pairs) below which it stays on the calling thread. */
    private static final long SERIAL_ATTENTION = 1L << 14;

    private final MatmulKernel matmul;
    private final LayerMath math;
    private final ThreadPool pool;
    private final boolean ownsPool; // false when the threads are shared with other kernels (ComputeThreads)
    private final String name;
    /** Per thread: attention scores of one (token, head), (span). */
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);

    CpuKernels(MatmulKernel matmul, LayerMath math, ThreadPool pool, boolean ownsPool) {
        this.matmul = matmul;
        this.math = math;
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.name = matmul.name();
    }

    /** The reference backend: one thread, plain sums in index order. Every other backend is tested against it. */
    public static CpuKernels reference() {
        return new CpuKernels(new ReferenceMatmul(), new PlainLayerMath(), new ThreadPool(1), true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean batchInvariant() {
        return matmul.batchInvariant();
    }

    @Override
    public Buffer allocate(int floats) {
        return new HostBuffer(floats);
    }

    @Override
    public void copy(Buffer src, int srcOff, Buffer dst, int dstOff, int n) {
        System.arraycopy(HostBuffer.of(src), srcOff, HostBuffer.of(dst), dstOff, n);
    }

    @Override
    public void zero(Buffer x, int n) {
        java.util.Arrays.fill(HostBuffer.of(x), 0, n, 0f);
    }

    @Override
    public void download(Buffer src, int srcOff, float[] dst, int dstOff, int n) {
        System.arraycopy(HostBuffer.of(src), srcOff, dst, dstOff, n);
    }

    @Override
    public void matmul(Buffer x, int rows, WeightMatrix w, Buffer out) {
        matmul.matmul(HostBuffer.of(x), rows, w, HostBuffer.of(out));
    }

    @Override
    public void addBias(Buffer x, int rows, WeightMatrix bias) {
        float[] xs = HostBuffer.of(x);
        float[] b = bias.floats();
        int n = bias.cols();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < n; o++) {
                xs[r * n + o] += b[o];
            }
        }
    }

    @Override
    public void add(Buffer x, Buffer delta, int n) {
        float[] xs = HostBuffer.of(x);
        float[] d = HostBuffer.of(delta);
        for (int i = 0; i < n; i++) {
            xs[i] += d[i];
        }
    }

    @Override
    public void rmsNorm(Buffer x, Buffer out, int groups, WeightMatrix weight, float eps) {
        float[] xs = HostBuffer.of(x);
        float[] os = HostBuffer.of(out);
        float[] w = weight.floats();
        int dim = weight.cols();
        for (int g = 0; g < groups; g++) {
            int off = g * dim;
            // Accumulate in double, in index order: accurate and independent of batching.
            double sumSquares = 0;
            for (int i = 0; i < dim; i++) {
                sumSquares += (double) xs[off + i] * xs[off + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sumSquares / dim + eps));
            for (int i = 0; i < dim; i++) {
                os[off + i] = (xs[off + i] * scale) * w[i];
            }
        }
    }

    @Override
    public void rope(Buffer x, int tokens, int heads, int headDim, int[] positions, float[] inverseFrequencies) {
        float[] xs = HostBuffer.of(x);
        int half = headDim / 2;
        int width = heads * headDim;
        for (int t = 0; t < tokens; t++) {
            int offset = t * width;
            for (int i = 0; i < half; i++) {
                double angle = (double) positions[t] * inverseFrequencies[i];
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    int base = offset + h * headDim;
                    float a = xs[base + i];
                    float b = xs[base + i + half];
                    xs[base + i] = a * cos - b * sin;
                    xs[base + i + half] = b * cos + a * sin;
                }
            }
        }
    }

    @Override
    public void siluMul(Buffer gate, Buffer up, int n) {
        float[] g = HostBuffer.of(gate);
        float[] u = HostBuffer.of(up);
        // On the calling thread: split over the pool it ran slower in fast mode, where OpenBLAS's own threads
        // are still spinning after the product before it.
        math.siluMul(g, u, 0, n);
    }

    @Override
    public void sigmoid(Buffer x, int n) {
        float[] xs = HostBuffer.of(x);
        for (int i = 0; i < n; i++) {
            xs[i] = MathFunctions.sigmoid(xs[i]);
        }
    }

    @Override
    public void writeKv(Buffer keys, Buffer values, int tokens, int kvDim, int[] sequence, int[] positions,
                        Buffer[] keyCaches, Buffer[] valueCaches) {
        float[] k = HostBuffer.of(keys);
        float[] v = HostBuffer.of(values);
        for (int t = 0; t < tokens; t++) {
            int s = sequence[t];
            System.arraycopy(k, t * kvDim, HostBuffer.of(keyCaches[s]), positions[t] * kvDim, kvDim);
            System.arraycopy(v, t * kvDim, HostBuffer.of(valueCaches[s]), positions[t] * kvDim, kvDim);
        }
    }

    @Override
    public void attention(Buffer q, Buffer out, int from, int to, AttentionShape shape, int[] sequence,
                          int[] positions, Buffer[] keyCaches, Buffer[] valueCaches) {
        float[] qs = HostBuffer.of(q);
        float[] os = HostBuffer.of(out);
        int heads = shape.heads();
        int span = 0;
        long work = 0;
        for (int t = from; t < to; t++) {
            span = Math.max(span, positions[t] + 1);
            work += (long) (positions[t] + 1) * heads;
        }
        int maxSpan = span;
        int first = from * heads;
        RangeBody pairs = (a, b) -> {
            float[] sc = scratch(maxSpan);
            for (int i = first + a; i < first + b; i++) {
                int t = i / heads;
                int s = sequence[t];
                math.attendOne(qs, os, shape, t, i % heads, positions[t] + 1, HostBuffer.of(keyCaches[s]),
                        HostBuffer.of(valueCaches[s]), sc);
            }
        };
        int count = (to - from) * heads;
        if (work < SERIAL_ATTENTION) {
            pairs.run(0, count);
        } else {
            pool.parallelFor(count, pairs);
        }
    }

    @Override
    public void embed(WeightMatrix table, int[] ids, int count, Buffer out) {
        float[] os = HostBuffer.of(out);
        int hidden = table.cols();
        for (int t = 0; t < count; t++) {
            WeightRows.widen(table, ids[t], os, t * hidden);
        }
    }

    @Override
    public void route(Buffer logits, int rows, int experts, int k, boolean renormalize, int[] ids, float[] weights) {
        float[] ls = HostBuffer.of(logits);
        float[] probs = scratch(experts);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ls, r * experts, probs, 0, experts);
            MathFunctions.softmaxInPlace(probs, 0, experts);
            int off = r * k;
            for (int j = 0; j < k; j++) { // highest first; ties to the lower index: strict > keeps the first
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!chosen(ids, off, j, e) && (best < 0 || probs[e] > probs[best])) {
                        best = e;
                    }
                }
                ids[off + j] = best;
                weights[off + j] = probs[best];
            }
            if (renormalize) {
                float sum = 0f;
                for (int j = 0; j < k; j++) {
                    sum += weights[off + j];
                }
                for (int j = 0; j < k; j++) {
                    weights[off + j] /= sum;
                }
            }
        }
    }

    private static boolean chosen(int[] ids, int off, int count, int expert) {
        for (int j = 0; j < count; j++) {
            if (ids[off + j] == expert) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void gatherRows(Buffer src, int cols, int[] rows, int from, int count, Buffer dst) {
        float[] s = HostBuffer.of(src);
        float[] d = HostBuffer.of(dst);
        for (int i = 0; i < count; i++) {
            System.arraycopy(s, rows[from + i] * cols, d, i * cols, cols);
        }
    }

    @Override
    public void scatterAddRows(Buffer src, int cols, int[] rows, float[] scales, int from, int count, Buffer dst) {
        float[] s = HostBuffer.of(src);
        float[] d = HostBuffer.of(dst);
        for (int i = 0; i < count; i++) {
            float w = scales[from + i];
            int to = rows[from + i] * cols;
            int at = i * cols;
            for (int c = 0; c < cols; c++) {
                d[to + c] += w * s[at + c];
            }
        }
    }

    @Override
    public void addScaledRows(Buffer src, Buffer rowScales, int rows, int cols, Buffer dst) {
        float[] s = HostBuffer.of(src);
        float[] scale = HostBuffer.of(rowScales);
        float[] d = HostBuffer.of(dst);
        for (int r = 0; r < rows; r++) {
            float w = scale[r];
            for (int c = 0; c < cols; c++) {
                d[r * cols + c] += w * s[r * cols + c];
            }
        }
    }

    private float[] scratch(int floats) {
        float[] b = scores.get();
        if (b.length < floats) {
            b = new float[floats];
            scores.set(b);
        }
        return b;
    }

    @Override
    public void close() {
        if (ownsPool) {
            pool.close();
        }
    }
}
