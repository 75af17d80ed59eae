package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.PlannedGroup;
import dev.klotski.engine.api.SharedModels;
import dev.klotski.spark.conf.EngineSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor JVM's engines: one per {@link EngineSpec}, opened once on first use (or eagerly by the
 * executor plugin) and shared by every task of the executor; specs of one model folder and offloading share one
 * loaded model (weights, tokenizer, compute threads). Static because Spark gives tasks no handle
 * on plugin instances; this also makes it work in local mode, where driver and executor share a JVM.
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<EngineSpec, Slot> ENGINES = new ConcurrentHashMap<>();
    /** Specs of one model that differ only in kernels mode, threads or group share its weights. */
    private static final SharedModels MODELS = new SharedModels();
    private static volatile Consumer<EngineLoaded> listener = e -> { };
    private static volatile String executorId = "driver";
    private static volatile String gpuAddress;

    private ExecutorEngines() {
    }

    /**
     * One spec's engine: loaded once, outside the map (a long load must not block lookups of other specs), by
     * the first caller; the others wait for it. A failed load is remembered with its message for the
     * executor's life: every later task fails at once with the same cause instead of loading again.
     */
    private static final class Slot {
        private final EngineSpec spec;
        private BatchEngine engine;        // guarded by this
        private RuntimeException failure;  // guarded by this

        Slot(EngineSpec spec) {
            this.spec = spec;
        }

        synchronized BatchEngine get(Supplier<PlannedGroup.Hint> hint) {
            if (engine == null && failure == null) {
                try {
                    engine = load(spec, hint.get());
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw new IllegalStateException("the engine for " + spec.modelDir() + " failed to load on executor "
                        + executorId + " and is not retried there: " + failure.getMessage(), failure);
            }
            return engine;
        }

        synchronized BatchEngine loaded() {
            return engine;
        }
    }

    /** The engine for this spec, loading it the first time (concurrent callers wait for the one load). */
    public static BatchEngine get(EngineSpec spec) {
        return get(spec, () -> new PlannedGroup.Hint(1, PlannedGroup.Hint.UNSEEN_PROMPT_TOKENS, 1));
    }

    /**
     * As {@link #get(EngineSpec)}; should this call load the engine, {@code hint} (the caller's guess of the job)
     * is what the planner plans the group for.
     */
    public static BatchEngine get(EngineSpec spec, Supplier<PlannedGroup.Hint> hint) {
        return ENGINES.computeIfAbsent(spec, Slot::new).get(hint);
    }

    /** Engines currently open in this JVM. */
    public static List<BatchEngine> open() {
        List<BatchEngine> out = new ArrayList<>();
        for (Slot s : ENGINES.values()) {
            BatchEngine e = s.loaded();
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** Models loaded in this JVM now (specs that differ only in kernels mode, threads or group share one). */
    public static int loadedModels() {
        return MODELS.loadedModels();
    }

    /** Called by the executor plugin: who we are, which GPU we got, whom to tell about loads. */
    static void bind(String id, String gpu, Consumer<EngineLoaded> onLoad) {
        executorId = id;
        gpuAddress = gpu;
        listener = onLoad;
    }

    /** Closes every engine (executor shutdown). */
    static void closeAll() {
        for (EngineSpec spec : new ArrayList<>(ENGINES.keySet())) {
            Slot slot = ENGINES.remove(spec);
            BatchEngine e = slot == null ? null : slot.loaded();
            if (e != null) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    LOG.warn("closing the engine for {} failed", spec.modelDir(), ex);
                }
            }
        }
        listener = e -> { };
    }

    private static BatchEngine load(EngineSpec spec, PlannedGroup.Hint hint) {
        long t0 = System.nanoTime();
        EngineFactory factory = factory(spec.factoryClass());
        EngineOptions.Builder options = options(spec);
        String plan = spec.group().plan();
        if (!plan.equals("off")) {
            PlannedGroup.Choice choice = plan.equals("measure")
                    ? PlannedGroup.chooseMeasuring(options.build(), given(spec.group()), hint,
                            line -> LOG.info("executor {}: {}", executorId, line))
                    : PlannedGroup.choose(options.build(), given(spec.group()), hint);
            options.optGroup(choice.options().group());
            if (choice.note() != null) {
                LOG.info("executor {}: {}", executorId, choice.note());
            }
        }
        int modelsBefore = MODELS.loadedModels();
        DeviceChoice.Opened opened = DeviceChoice.open(factory, options, gpuAddress, MODELS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("executor {} opened an engine for {} on {} in {} ms ({}; {} model(s) loaded in this executor)",
                executorId, spec.modelDir(), opened.device(), ms,
                MODELS.loadedModels() > modelsBefore ? "model loaded"
                        : MODELS.loadedModels() == 0 ? "its factory shares no model" : "weights shared with an open engine",
                MODELS.loadedModels());
        listener.accept(new EngineLoaded(executorId, spec.modelDir(), opened.device(), ms));
        return opened.engine();
    }

    private static EngineOptions.Builder options(EngineSpec spec) {
        EngineOptions.Builder b = EngineOptions.builder(Path.of(spec.modelDir())).optBatchInvariant(spec.batchInvariant());
        if (spec.threads() > 0) {
            b.optThreads(spec.threads());
        }
        b.optGroup(given(spec.group()).withDefaults());
        EngineSpec.Offload o = spec.offload();
        if (!o.deviceBudget().isEmpty()) {
            b.optDeviceBudget(o.deviceBudget()).optExpertPolicy(o.policy()).optPrefetch(o.prefetch())
                    .optDirectIo(o.directIo()).optIoThreads(o.ioThreads());
            if (!o.hostBudget().isEmpty()) {
                b.optHostBudget(o.hostBudget());
            }
            if (!o.routingProfile().isEmpty()) {
                b.optRoutingProfile(Path.of(o.routingProfile()));
            }
        }
        return b;
    }

    private static PlannedGroup.Given given(EngineSpec.Group g) {
        return new PlannedGroup.Given(g.batches(), g.batchSize(), g.passTokens(),
                g.poolShare() == null ? null : g.poolShare().doubleValue());
    }

    private static EngineFactory factory(String className) {
        try {
            Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            return (EngineFactory) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("spark.klotski.engine.factory: cannot create " + className, e);
        }
    }
}
