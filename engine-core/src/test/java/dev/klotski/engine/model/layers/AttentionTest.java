package dev.klotski.engine.model.layers;

import static dev.klotski.engine.model.layers.LayerTesting.assertClose;
import static dev.klotski.engine.model.layers.LayerTesting.host;
import static dev.klotski.engine.model.layers.LayerTesting.identity;
import static dev.klotski.engine.model.layers.LayerTesting.randomMatrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.HostBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Self-attention against softmax(q·k/√d)·v worked out in double, grouped-query heads, and ragged batches. */
class AttentionTest {
    private static final String KERNELS = "dev.klotski.engine.model.layers.LayerTesting#kernels";

    private static Workspace workspace(Kernels kernels, AttentionShape shape, int hidden, int tokens, int sequences) {
        Workspace ws = new Workspace(kernels, new Workspace.Dims(hidden, shape.qDim(), shape.kvDim(), 1, 1, 1, 1));
        ws.ensure(tokens, 1, sequences);
        return ws;
    }

    /** Runs the layer over the tokens' inputs x (T, hidden) and returns ws.delta (T, hidden). */
    private static float[] run(Kernels kernels, Attention attention, AttentionShape shape, int hidden, float[] x,
                               int[] sequence, int[] positions, KvCache[] caches) {
        int tokens = positions.length;
        Workspace ws = workspace(kernels, shape, hidden, tokens, caches.length);
        System.arraycopy(x, 0, host(ws.normed), 0, x.length);
        for (int t = 0; t < tokens; t++) {
            caches[sequence[t]].ensureCapacity(positions[t] + 1);
        }
        attention.forward(kernels, ws, new ForwardBatch(new int[tokens], positions, sequence, caches, new int[0]));
        return Arrays.copyOf(host(ws.delta), tokens * hidden);
    }

    private static double[] rope(double[] x, int position) { // head_dim 2, theta irrelevant: frequency 1
        double c = Math.cos(position);
        double s = Math.sin(position);
        return new double[] {x[0] * c - x[1] * s, x[1] * c + x[0] * s};
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void oneHeadTwoTokensMatchesTheFormula(String name, Supplier<Kernels> make) {
        AttentionShape shape = new AttentionShape(1, 1, 2);
        try (Kernels kernels = make.get()) {
            // Identity projections: q = k = rope(x), v = x, output = context.
            Attention attention = new Attention(0, shape, Linear.of(identity(2)), Linear.of(identity(2)),
                    Linear.of(identity(2)), Linear.of(identity(2)), null, null, new RotaryEmbedding(2, 10_000));
            double[] x0 = {1.0, 0.5};
            double[] x1 = {-0.5, 2.0};
            KvCache cache = new KvCache(kernels, 1, 2, 8, 1);
            float[] out = run(kernels, attention, shape, 2, new float[] {1f, 0.5f, -0.5f, 2f}, new int[] {0, 0},
                    new int[] {0, 1}, new KvCache[] {cache});
            // Token 0 sees only itself: softmax of one score is 1, so the output is v0.
            assertClose("token 0", x0, out, 0, 1e-6);
            // Token 1: scores q1·k_j/√2 over positions 0 and 1, softmax, weighted sum of v.
            double[] q1 = rope(x1, 1);
            double s0 = dot(q1, rope(x0, 0)) / Math.sqrt(2);
            double s1 = dot(q1, rope(x1, 1)) / Math.sqrt(2);
            double w0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
            double w1 = 1 - w0;
            assertClose("token 1", new double[] {w0 * x0[0] + w1 * x1[0], w0 * x0[1] + w1 * x1[1]}, out, 2, 1e-6);
            // The cache holds the rotated keys and the values of both positions.
            assertClose("key 1", rope(x1, 1), host(cache.keys(0)), 2, 1e-6);
            assertClose("value 0", x0, host(cache.values(0)), 0, 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void groupedQueryHeadsReadTheirOwnKvHead(String name, Supplier<Kernels> make) {
        AttentionShape shape = new AttentionShape(4, 2, 2); // heads 0,1 -> kv head 0; heads 2,3 -> kv head 1
        // Two cached positions, (position, kvHead * 2 + d). Kv head 0's values live in d = 0, kv head 1's in d = 1.
        float[] keys = {1, 0, 0, 1, /* position 1: */ 0, 1, 1, 0};
        float[] values = {10, 0, 0, -10, /* position 1: */ 20, 0, 0, -20};
        float[] q = {3, 0, 0, 3, 3, 0, 0, 3}; // one token, heads 0..3
        try (Kernels kernels = make.get()) {
            Buffer out = kernels.allocate(8);
            kernels.attention(new HostBuffer(q), out, 0, 1, shape, new int[] {0}, new int[] {1},
                    new Buffer[] {new HostBuffer(keys)}, new Buffer[] {new HostBuffer(values)});
            float[] o = host(out);
            for (int h = 0; h < 4; h++) {
                int kv = h / 2;
                double[] scores = new double[2];
                for (int p = 0; p < 2; p++) {
                    scores[p] = (q[h * 2] * keys[p * 4 + kv * 2] + q[h * 2 + 1] * keys[p * 4 + kv * 2 + 1]) / Math.sqrt(2);
                }
                double w0 = Math.exp(scores[0]) / (Math.exp(scores[0]) + Math.exp(scores[1]));
                double[] expected = new double[2];
                for (int d = 0; d < 2; d++) {
                    expected[d] = w0 * values[kv * 2 + d] + (1 - w0) * values[4 + kv * 2 + d];
                }
                assertClose("head " + h, expected, o, h * 2, 1e-5);
                assertEquals(0f, o[h * 2 + (kv == 0 ? 1 : 0)], "head " + h + " read the other kv head");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void aTokenAttendsOnlyToItsOwnSequenceInARaggedBatch(String name, Supplier<Kernels> make) {
        SplittableRandom r = new SplittableRandom(5);
        int hidden = 8;
        AttentionShape shape = new AttentionShape(2, 1, 4);
        float[] a = LayerTesting.random(r, 3 * hidden, 1); // sequence A: 3 tokens
        float[] b = LayerTesting.random(r, 2 * hidden, 1); // sequence B: 2 tokens
        float[] otherB = LayerTesting.random(r, 2 * hidden, 1);
        try (Kernels kernels = make.get()) {
            Attention attention = new Attention(0, shape, Linear.of(randomMatrix(r, 8, hidden)),
                    Linear.of(randomMatrix(r, 4, hidden)), Linear.of(randomMatrix(r, 4, hidden)),
                    Linear.of(randomMatrix(r, hidden, 8)), null, null, new RotaryEmbedding(4, 10_000));
            float[] aloneA = run(kernels, attention, shape, hidden, a, new int[] {0, 0, 0}, new int[] {0, 1, 2},
                    new KvCache[] {new KvCache(kernels, 1, 4, 16, 1)});
            float[] aloneB = run(kernels, attention, shape, hidden, b, new int[] {0, 0}, new int[] {0, 1},
                    new KvCache[] {new KvCache(kernels, 1, 4, 16, 1)});
            // One pass, interleaved: A0 B0 A1 B1 A2.
            int[] sequence = {0, 1, 0, 1, 0};
            int[] positions = {0, 0, 1, 1, 2};
            int[][] rows = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 2}}; // {sequence, its token}
            for (float[] bInput : new float[][] {b, otherB}) {
                float[] x = new float[5 * hidden];
                for (int t = 0; t < 5; t++) {
                    float[] src = rows[t][0] == 0 ? a : bInput;
                    System.arraycopy(src, rows[t][1] * hidden, x, t * hidden, hidden);
                }
                float[] mixed = run(kernels, attention, shape, hidden, x, sequence, positions,
                        new KvCache[] {new KvCache(kernels, 1, 4, 16, 1), new KvCache(kernels, 1, 4, 16, 1)});
                for (int t = 0; t < 5; t++) {
                    if (rows[t][0] == 1 && bInput != b) {
                        continue; // B's rows changed with B's input; A's must not
                    }
                    float[] alone = rows[t][0] == 0 ? aloneA : aloneB;
                    float[] expected = Arrays.copyOfRange(alone, rows[t][1] * hidden, (rows[t][1] + 1) * hidden);
                    float[] actual = Arrays.copyOfRange(mixed, t * hidden, (t + 1) * hidden);
                    if (kernels.batchInvariant()) {
                        assertArrayEquals(expected, actual, "row " + t + " (bit-identical to its sequence alone)");
                    } else {
                        assertClose("row " + t, LayerTesting.row(expected, 0, hidden), actual, 0, 1e-5);
                    }
                }
            }
        }
    }
}
