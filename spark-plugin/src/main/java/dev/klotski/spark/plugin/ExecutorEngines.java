package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.spark.conf.EngineSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor JVM's engines: one per {@link EngineSpec}, opened once on first use (or eagerly by the
 * executor plugin) and shared by every task of the executor. Static because Spark gives tasks no handle
 * on plugin instances; this also makes it work in local mode, where driver and executor share a JVM.
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<EngineSpec, BatchEngine> ENGINES = new ConcurrentHashMap<>();
    private static volatile Consumer<EngineLoaded> listener = e -> { };
    private static volatile String executorId = "driver";
    private static volatile String gpuAddress;

    private ExecutorEngines() {
    }

    /** The engine for this spec, loading it the first time (concurrent callers wait for the one load). */
    public static BatchEngine get(EngineSpec spec) {
        return ENGINES.computeIfAbsent(spec, ExecutorEngines::load);
    }

    /** Engines currently open in this JVM. */
    public static List<BatchEngine> open() {
        return new ArrayList<>(ENGINES.values());
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
            BatchEngine e = ENGINES.remove(spec);
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

    private static BatchEngine load(EngineSpec spec) {
        long t0 = System.nanoTime();
        EngineFactory factory = factory(spec.factoryClass());
        DeviceChoice.Opened opened = DeviceChoice.open(factory, options(spec), gpuAddress);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("executor {} loaded engine for {} on {} in {} ms", executorId, spec.modelDir(), opened.device(), ms);
        listener.accept(new EngineLoaded(executorId, spec.modelDir(), opened.device(), ms));
        return opened.engine();
    }

    private static EngineOptions.Builder options(EngineSpec spec) {
        EngineOptions.Builder b = EngineOptions.builder(Path.of(spec.modelDir())).optBatchInvariant(spec.batchInvariant());
        if (spec.threads() > 0) {
            b.optThreads(spec.threads());
        }
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

    private static EngineFactory factory(String className) {
        try {
            Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            return (EngineFactory) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("spark.klotski.engine.factory: cannot create " + className, e);
        }
    }
}
