package dev.klotski.spark.plugin;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.PlannedGroup;
import dev.klotski.spark.conf.EngineSpec;
import dev.klotski.spark.conf.KlotskiConf;
import dev.klotski.spark.conf.Settings;
import java.io.IOException;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Executor side: binds the GPU, reports engine loads to the driver, registers metrics, closes engines. */
public final class KlotskiExecutorPlugin implements ExecutorPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(KlotskiExecutorPlugin.class);

    @Override
    public void init(PluginContext ctx, Map<String, String> extraConf) {
        String gpu = GpuBinding.address(ctx.resources());
        ExecutorEngines.bind(ctx.executorID(), gpu, loaded -> tellDriver(ctx, loaded));
        registerMetrics(ctx.metricRegistry());
        Settings settings = new Settings(Map.of(), key -> ctx.conf().get(key, null));
        if (settings.get(KlotskiConf.ENGINE_EAGER)) {
            int slots = TaskSlots.of(ctx.conf());
            try {
                // No row seen yet: the planner plans for the conf's batch.rows and max_new_tokens from every slot.
                ExecutorEngines.get(EngineSpec.from(settings), () -> new PlannedGroup.Hint(
                        settings.get(KlotskiConf.BATCH_ROWS) * slots, PlannedGroup.Hint.UNSEEN_PROMPT_TOKENS,
                        settings.get(KlotskiConf.MAX_NEW_TOKENS)));
            } catch (RuntimeException e) {
                // Not thrown on: an executor whose plugin fails to start exits, the standalone master starts
                // another, which fails the same way, and the job waits for ever with the cause only in executor
                // logs. The failed load is remembered, so every task here fails with its message instead.
                LOG.error("executor {}: the eager engine load failed; its tasks will fail with: {}", ctx.executorID(),
                        e.getMessage(), e);
            }
        }
    }

    @Override
    public void shutdown() {
        ExecutorEngines.closeAll();
    }

    private static void tellDriver(PluginContext ctx, EngineLoaded loaded) {
        try {
            ctx.send(loaded);
        } catch (IOException e) {
            LOG.warn("could not tell the driver about {}", loaded, e);
        }
    }

    /** Engine counters summed over this executor's engines, under plugin.<class>.engine.* in Spark's metrics. */
    private static void registerMetrics(MetricRegistry registry) {
        registry.register("engine.loaded", (Gauge<Integer>) () -> ExecutorEngines.open().size());
        gauge(registry, "engine.generateCalls", EngineMetrics::generateCalls);
        gauge(registry, "engine.requests", EngineMetrics::requests);
        gauge(registry, "engine.promptTokens", EngineMetrics::promptTokens);
        gauge(registry, "engine.generatedTokens", EngineMetrics::generatedTokens);
        gauge(registry, "engine.expertLookups", EngineMetrics::expertLookups);
        gauge(registry, "engine.expertHits", EngineMetrics::expertHits);
        gauge(registry, "engine.weightBytes", EngineMetrics::weightBytes);
    }

    private static void gauge(MetricRegistry registry, String name, ToLongFunction<EngineMetrics> field) {
        registry.register(name, (Gauge<Long>) () -> ExecutorEngines.open().stream()
                .mapToLong(e -> field.applyAsLong(e.metrics())).sum());
    }
}
