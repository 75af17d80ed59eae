package dev.klotski.engine.model.layers;

import static dev.klotski.engine.model.layers.LayerTesting.assertClose;
import static dev.klotski.engine.model.layers.LayerTesting.host;
import static dev.klotski.engine.model.layers.LayerTesting.identity;
import static dev.klotski.engine.model.layers.LayerTesting.randomMatrix;
import static dev.klotski.engine.model.layers.LayerTesting.row;
import static dev.klotski.engine.model.layers.LayerTesting.sigmoid;
import static dev.klotski.engine.model.layers.LayerTesting.swiglu;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.WeightMatrix;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MoE block with a recording {@link ExpertWeights}: which experts it asks for and how many token rows each
 * one computes, and its output against the router-weighted sum of expert outputs worked out in double.
 */
class MoeBlockTest {
    private static final String KERNELS = "dev.klotski.engine.model.layers.LayerTesting#kernels";
    private static final int LAYER = 5;
    private static final int HIDDEN = 4;
    private static final int EXPERTS = 4;
    private static final int INTER = 3;
    /**
     * Three tokens, routed by an identity router (logits = the input): token 0 picks experts 0 then 1, token 1
     * picks 3 then 1, token 2 picks 0 then 1. Expert 2 is never in anyone's top 2.
     */
    private static final float[] X = {2.0f, 1.5f, -1f, 0.5f, -1f, 1.0f, 0.2f, 2.0f, 1.2f, 1.0f, 0.1f, -0.5f};
    private static final int[][] CHOSEN = {{0, 1}, {3, 1}, {0, 1}};

    /**
     * Experts that record every request and lease. With {@code late} experts, those are not resident until the
     * block has waited once for an arrival: the block must compute the others first and still get the same sums.
     */
    private static final class RecordingExperts implements ExpertSource {
        final ExpertFfn[] experts;
        final java.util.Set<Integer> late;
        final List<String> requests = new ArrayList<>();
        final List<String> leases = new ArrayList<>();
        int waits;
        Integer failOn;                                  // tryLease of this expert throws, as a failed load does
        final List<String> releases = new ArrayList<>();

        RecordingExperts(ExpertFfn[] experts, Integer... late) {
            this.experts = experts;
            this.late = new java.util.HashSet<>(List.of(late));
        }

        @Override
        public void request(int layer, int[] wanted, int count, ExpertCounters counters) {
            for (int i = 0; i < count; i++) {
                requests.add(layer + "/" + wanted[i]);
                counters.lookup(!late.contains(wanted[i]));
            }
        }

        @Override
        public void release(int layer, int expert) {
            if (failOn == null) {
                throw new AssertionError("the block leases every expert it requested");
            }
            releases.add(layer + "/" + expert);
        }

        @Override
        public boolean isResident(int layer, int expert) {
            return waits > 0 || !late.contains(expert);
        }

        @Override
        public ExpertLease tryLease(int layer, int expert) {
            if (failOn != null && failOn == expert) {
                throw new IllegalStateException("load of expert " + expert + " failed");
            }
            if (!isResident(layer, expert)) {
                return null;
            }
            leases.add(layer + "/" + expert);
            ExpertFfn w = experts[expert];
            return new ExpertLease() {
                @Override
                public int expert() {
                    return expert;
                }

                @Override
                public ExpertFfn weights() {
                    return w;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public long arrivals() {
            return waits;
        }

        @Override
        public long awaitArrival(long seen) {
            return ++waits;
        }

        @Override
        public Map<dev.klotski.engine.tensor.WeightFormat, Long> heldBytesByFormat() {
            return Map.of();
        }

        final List<Integer> routedLayers = new ArrayList<>();

        @Override
        public void routed(RoutingEvent event) {
            routedLayers.add(event.layer());
        }

        @Override
        public void requestEnded(long requestId) {
        }

        @Override
        public void addListener(RoutingListener listener) {
        }

        @Override
        public void removeListener(RoutingListener listener) {
        }
    }

    /** Kernels that note how many rows each weight matrix was multiplied with, call by call. */
    private static Kernels recordingMatmuls(Kernels inner, Map<WeightMatrix, List<Integer>> rows) {
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("matmul")) {
                        rows.computeIfAbsent((WeightMatrix) args[2], w -> new ArrayList<>()).add((Integer) args[1]);
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static ExpertFfn[] experts(SplittableRandom r) {
        ExpertFfn[] e = new ExpertFfn[EXPERTS];
        for (int i = 0; i < EXPERTS; i++) {
            e[i] = new ExpertFfn(randomMatrix(r, INTER, HIDDEN), randomMatrix(r, INTER, HIDDEN), randomMatrix(r, HIDDEN, INTER));
        }
        return e;
    }

    private static float[] forward(Kernels kernels, MoeBlock block) {
        Workspace ws = new Workspace(kernels, new Workspace.Dims(HIDDEN, HIDDEN, HIDDEN, INTER, EXPERTS, 2, 1));
        ws.ensure(3, 1, 1);
        System.arraycopy(X, 0, host(ws.normed), 0, X.length);
        block.forward(kernels, ws, new ForwardBatch(new int[3], new int[3], new int[3], new dev.klotski.engine.kv.KvCache[1],
                new int[0]));
        return java.util.Arrays.copyOf(host(ws.delta), X.length);
    }

    /** Softmax of a token's logits (its input) in double. */
    private static double[] probabilities(int token) {
        double[] x = row(X, token, HIDDEN);
        double sum = 0;
        double[] p = new double[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            p[i] = Math.exp(x[i]);
            sum += p[i];
        }
        for (int i = 0; i < HIDDEN; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void eachUsedExpertRunsOnceOverAllItsTokens(String name, Supplier<Kernels> make) {
        ExpertFfn[] ffn = experts(new SplittableRandom(1));
        RecordingExperts recording = new RecordingExperts(ffn);
        MoeBlock block = new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true), recording, null, null);
        Map<WeightMatrix, List<Integer>> rows = new IdentityHashMap<>();
        try (Kernels inner = make.get()) {
            Kernels kernels = recordingMatmuls(inner, rows);
            forward(kernels, block);
            assertEquals(List.of("5/1", "5/0", "5/3"), recording.requests,
                    "experts 0, 1 and 3 once each, 2 never, the busiest first (1: 3 tokens, 0: 2, 3: 1)");
            assertEquals(recording.requests, recording.leases, "all resident: computed in request order");
            assertEquals(List.of(LAYER), recording.routedLayers, "observers saw the layer's routing once");
            assertEquals(List.of(2), rows.get(ffn[0].gate()), "expert 0 computes tokens 0 and 2 in one call");
            assertEquals(List.of(3), rows.get(ffn[1].up()), "expert 1 computes all three tokens in one call");
            assertEquals(List.of(3), rows.get(ffn[1].down()));
            assertEquals(List.of(1), rows.get(ffn[3].down()), "expert 3 computes token 1 alone");
            assertEquals(null, rows.get(ffn[2].gate()), "expert 2 is never computed");
            forward(kernels, block);
            assertEquals(List.of("5/1", "5/0", "5/3", "5/1", "5/0", "5/3"), recording.requests, "once per forward");
            assertEquals(List.of(2, 2), rows.get(ffn[0].gate()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void theOutputIsTheRouterWeightedSumOfExpertOutputs(String name, Supplier<Kernels> make) {
        ExpertFfn[] ffn = experts(new SplittableRandom(2));
        for (boolean renormalize : new boolean[] {false, true}) {
            MoeBlock block = new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, renormalize),
                    new RecordingExperts(ffn), null, null);
            try (Kernels kernels = make.get()) {
                float[] out = forward(kernels, block);
                for (int t = 0; t < 3; t++) {
                    double[] p = probabilities(t);
                    double kept = p[CHOSEN[t][0]] + p[CHOSEN[t][1]];
                    double[] expected = new double[HIDDEN];
                    for (int e : CHOSEN[t]) {
                        double w = renormalize ? p[e] / kept : p[e];
                        double[] y = swiglu(ffn[e], row(X, t, HIDDEN));
                        for (int i = 0; i < HIDDEN; i++) {
                            expected[i] += w * y[i];
                        }
                    }
                    assertClose("token " + t + (renormalize ? " renormalised" : ""), expected, out, t * HIDDEN, 1e-5);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void theSharedExpertIsAddedBehindASigmoidGate(String name, Supplier<Kernels> make) {
        SplittableRandom r = new SplittableRandom(3);
        ExpertFfn[] ffn = experts(r);
        ExpertFfn shared = new ExpertFfn(randomMatrix(r, INTER, HIDDEN), randomMatrix(r, INTER, HIDDEN),
                randomMatrix(r, HIDDEN, INTER));
        WeightMatrix gate = WeightMatrix.f32(1, HIDDEN, new float[] {0.7f, -1.3f, 0.4f, 2.1f});
        RecordingExperts recording = new RecordingExperts(ffn);
        MoeBlock block = new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true), recording, shared, gate);
        try (Kernels kernels = make.get()) {
            float[] with = forward(kernels, block);
            float[] without = forward(kernels, new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true),
                    new RecordingExperts(ffn), null, null));
            assertEquals(List.of("5/1", "5/0", "5/3"), recording.requests, "the shared expert is not a routed lookup");
            for (int t = 0; t < 3; t++) {
                double[] x = row(X, t, HIDDEN);
                double g = sigmoid(LayerTesting.matvec(gate, x)[0]);
                double[] s = swiglu(shared, x);
                double[] expected = new double[HIDDEN];
                for (int i = 0; i < HIDDEN; i++) {
                    expected[i] = without[t * HIDDEN + i] + g * s[i];
                }
                assertClose("token " + t, expected, with, t * HIDDEN, 1e-5);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void residentExpertsRunFirstAndLoadOrderNeverChangesTheSums(String name, Supplier<Kernels> make) {
        ExpertFfn[] ffn = experts(new SplittableRandom(4));
        try (Kernels kernels = make.get()) {
            float[] allResident = forward(kernels, new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true),
                    new RecordingExperts(ffn), null, null));
            RecordingExperts late = new RecordingExperts(ffn, 1);
            float[] lateBusiest = forward(kernels, new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true), late,
                    null, null));
            assertEquals(List.of("5/0", "5/3", "5/1"), late.leases, "expert 1 arrives last, after one wait");
            assertEquals(1, late.waits);
            assertEquals(java.util.Arrays.toString(allResident), java.util.Arrays.toString(lateBusiest),
                    "bit for bit the same output whatever the arrival order");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(KERNELS)
    void aFailedLoadReleasesExactlyTheExpertsNotLeasedAndSurfaces(String name, Supplier<Kernels> make) {
        RecordingExperts failing = new RecordingExperts(experts(new SplittableRandom(5)));
        failing.failOn = 0; // requested 1, 0, 3: 1 computes, 0 fails, 3 was never looked at
        MoeBlock block = new MoeBlock(LAYER, new Router(identity(HIDDEN), 2, true), failing, null, null);
        try (Kernels kernels = make.get()) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> forward(kernels, block));
            assertEquals("load of expert 0 failed", e.getMessage(), "the load's own error, not a bookkeeping one");
        }
        assertEquals(List.of("5/1"), failing.leases);
        assertEquals(List.of("5/0", "5/3"), failing.releases, "each expert not leased is released once");
    }
}
