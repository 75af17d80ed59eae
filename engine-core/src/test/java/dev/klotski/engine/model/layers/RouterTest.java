package dev.klotski.engine.model.layers;

import static dev.klotski.engine.model.layers.LayerTesting.buffer;
import static dev.klotski.engine.model.layers.LayerTesting.host;
import static dev.klotski.engine.model.layers.LayerTesting.identity;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.engine.kernel.Kernels;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** MoE routing: softmax over all experts, the top k best first, ties to the lower index, optional renormalising. */
class RouterTest {
    private static final String KERNELS = "dev.klotski.engine.model.layers.LayerTesting#kernels";

    /** Softmax of one row in double. */
    private static double[] softmax(float... logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private record Choice(int[] ids, float[] weights) {
    }

    private static Choice route(Kernels kernels, float[] logits, int rows, int k, boolean renormalize) {
        int[] ids = new int[rows * k];
        float[] weights = new float[rows * k];
        kernels.route(buffer(logits), rows, logits.length / rows, k, renormalize, ids, weights);
        return new Choice(ids, weights);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void topKIsTheSoftmaxBestFirst(String name, Supplier<Kernels> make) {
        float[] logits = {1f, 3f, 2f, 0f, -1f};
        double[] p = softmax(logits);
        try (Kernels kernels = make.get()) {
            Choice c = route(kernels, logits, 1, 3, false);
            assertArrayEquals(new int[] {1, 2, 0}, c.ids());
            for (int j = 0; j < 3; j++) {
                assertEquals(p[c.ids()[j]], c.weights()[j], 1e-6, "weight " + j + ": the softmax over all 5 experts");
            }
            Choice all = route(kernels, logits, 1, 5, false);
            assertArrayEquals(new int[] {1, 2, 0, 3, 4}, all.ids());
            assertEquals(1.0, sum(all.weights()), 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void tiesGoToTheLowerIndex(String name, Supplier<Kernels> make) {
        try (Kernels kernels = make.get()) {
            assertArrayEquals(new int[] {1, 2}, route(kernels, new float[] {2f, 5f, 5f, 1f, 5f}, 1, 2, false).ids());
            assertArrayEquals(new int[] {1, 2, 4, 0}, route(kernels, new float[] {2f, 5f, 5f, 1f, 5f}, 1, 4, false).ids());
            assertArrayEquals(new int[] {0, 1, 2}, route(kernels, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 1, 3, false).ids());
            assertArrayEquals(new int[] {3, 0}, route(kernels, new float[] {1f, 1f, 0f, 4f}, 1, 2, false).ids());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void renormalisingMakesTheKeptWeightsSumToOne(String name, Supplier<Kernels> make) {
        float[] logits = {0.3f, -1.2f, 2.0f, 1.1f, 0.9f, -0.4f};
        double[] p = softmax(logits);
        try (Kernels kernels = make.get()) {
            Choice plain = route(kernels, logits, 1, 2, false);
            Choice renormalised = route(kernels, logits, 1, 2, true);
            assertArrayEquals(new int[] {2, 3}, plain.ids());
            assertArrayEquals(plain.ids(), renormalised.ids(), "renormalising never changes the choice");
            assertEquals(p[2], plain.weights()[0], 1e-6);
            assertEquals(p[3], plain.weights()[1], 1e-6);
            assertEquals(p[2] / (p[2] + p[3]), renormalised.weights()[0], 1e-6);
            assertEquals(p[3] / (p[2] + p[3]), renormalised.weights()[1], 1e-6);
            assertEquals(1.0, sum(renormalised.weights()), 1e-6);
            assertEquals(p[2] + p[3], sum(plain.weights()), 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void rowsAreRoutedOnTheirOwn(String name, Supplier<Kernels> make) {
        float[] logits = {1f, 3f, 2f, 0f, /* row 1: */ 9f, -9f, 0f, 8f, /* row 2: */ 0f, 0f, 0f, 1f};
        try (Kernels kernels = make.get()) {
            Choice c = route(kernels, logits, 3, 2, true);
            assertArrayEquals(new int[] {1, 2, 0, 3, 3, 0}, c.ids());
            for (int row = 0; row < 3; row++) {
                Choice alone = route(kernels, Arrays.copyOfRange(logits, row * 4, row * 4 + 4), 1, 2, true);
                assertArrayEquals(alone.weights(), Arrays.copyOfRange(c.weights(), row * 2, row * 2 + 2));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void theRouterLayerRoutesTheNormedRows(String name, Supplier<Kernels> make) {
        // An identity router weight: each token's logits are its normed input.
        Router router = new Router(identity(4), 2, false);
        assertEquals(4, router.experts());
        try (Kernels kernels = make.get()) {
            Workspace ws = new Workspace(kernels, new Workspace.Dims(4, 4, 4, 1, 4, 2, 1));
            ws.ensure(2, 1, 1);
            float[] x = {0.1f, 0.9f, 0.5f, -2f, /* token 1: */ 3f, 0f, 0f, 2f};
            System.arraycopy(x, 0, host(ws.normed), 0, x.length);
            router.route(kernels, ws, 2);
            assertArrayEquals(new int[] {1, 2, 0, 3}, Arrays.copyOf(ws.expertIds, 4));
            double[] p0 = softmax(0.1f, 0.9f, 0.5f, -2f);
            double[] p1 = softmax(3f, 0f, 0f, 2f);
            assertEquals(p0[1], ws.expertWeights[0], 1e-6);
            assertEquals(p0[2], ws.expertWeights[1], 1e-6);
            assertEquals(p1[0], ws.expertWeights[2], 1e-6);
            assertEquals(p1[3], ws.expertWeights[3], 1e-6);
        }
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }
}
