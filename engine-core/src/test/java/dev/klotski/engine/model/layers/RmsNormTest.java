package dev.klotski.engine.model.layers;

import static dev.klotski.engine.model.layers.LayerTesting.assertClose;
import static dev.klotski.engine.model.layers.LayerTesting.buffer;
import static dev.klotski.engine.model.layers.LayerTesting.host;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.HostBuffer;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RMSNorm, {@code x / sqrt(mean(x²) + eps) * w}, against values worked out in double. */
class RmsNormTest {
    private static final String KERNELS = "dev.klotski.engine.model.layers.LayerTesting#kernels";

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void aKnownVector(String name, Supplier<Kernels> make) {
        try (Kernels kernels = make.get()) {
            RmsNorm norm = new RmsNorm(WeightMatrix.f32(1, 4, new float[] {1f, 0.5f, 2f, -1f}), 1e-6f);
            assertEquals(4, norm.dim());
            Buffer out = kernels.allocate(4);
            norm.apply(kernels, buffer(1f, 2f, 3f, 4f), out, 1);
            // mean(x²) = 30 / 4 = 7.5; each x·w divided by sqrt(7.5 + 1e-6)
            assertClose("out", new double[] {0.3651483473268884, 0.3651483473268884, 2.1908900839613303,
                    -1.4605933893075536}, host(out), 0, 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void eachGroupIsNormalisedOnItsOwn(String name, Supplier<Kernels> make) {
        try (Kernels kernels = make.get()) {
            // A norm of width 2 over 6 values is 3 groups, as a per-head q/k norm over 3 heads.
            RmsNorm norm = new RmsNorm(WeightMatrix.f32(1, 2, new float[] {2f, 0.5f}), 1e-6f);
            Buffer out = kernels.allocate(6);
            norm.apply(kernels, buffer(3f, 4f, 0f, 0f, -1f, 1f), out, 3);
            float[] o = host(out);
            assertClose("group 0", new double[] {1.697056206965467, 0.5656854023218224}, o, 0, 1e-6); // rms 3.5355
            assertArrayEquals(new float[] {0f, 0f}, new float[] {o[2], o[3]}, "an all-zero group stays 0 (eps, no NaN)");
            assertClose("group 2", new double[] {-1.99999900000075, 0.4999997500001875}, o, 4, 1e-6); // rms 1
            // Only the groups asked for are written.
            Buffer partial = new HostBuffer(new float[] {9f, 9f, 9f, 9f, 9f, 9f});
            norm.apply(kernels, buffer(3f, 4f, 0f, 0f, -1f, 1f), partial, 2);
            assertArrayEquals(new float[] {o[0], o[1], o[2], o[3], 9f, 9f}, host(partial));
            // A group's output does not depend on the other groups.
            Buffer changed = kernels.allocate(6);
            norm.apply(kernels, buffer(30f, -7f, 5f, 5f, -1f, 1f), changed, 3);
            assertArrayEquals(new float[] {o[4], o[5]}, new float[] {host(changed)[4], host(changed)[5]});
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void inPlaceEqualsOutOfPlace(String name, Supplier<Kernels> make) {
        SplittableRandom r = new SplittableRandom(17);
        int dim = 24;
        int groups = 5;
        RmsNorm norm = new RmsNorm(WeightMatrix.f32(1, dim, LayerTesting.random(r, dim, 2)), 1e-5f);
        float[] x = LayerTesting.random(r, dim * groups, 3);
        try (Kernels kernels = make.get()) {
            Buffer out = kernels.allocate(x.length);
            norm.apply(kernels, buffer(x), out, groups);
            Buffer inPlace = buffer(x);
            norm.apply(kernels, inPlace, inPlace, groups);
            assertArrayEquals(host(out), host(inPlace));
            for (int g = 0; g < groups; g++) { // and each group matches the double formula
                double sum = 0;
                for (int i = 0; i < dim; i++) {
                    sum += (double) x[g * dim + i] * x[g * dim + i];
                }
                double[] expected = new double[dim];
                for (int i = 0; i < dim; i++) {
                    expected[i] = x[g * dim + i] / Math.sqrt(sum / dim + 1e-5f) * norm.weight().floats()[i];
                }
                assertClose("group " + g, expected, host(out), g * dim, 1e-5);
            }
        }
    }
}
