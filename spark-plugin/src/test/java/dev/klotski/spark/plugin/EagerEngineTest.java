package dev.klotski.spark.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.spark.testing.FakeEngineFactory;
import dev.klotski.spark.testing.TestSessions;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** engine.eager loads the executor's engine at startup; tasks then share it; stopping closes it. */
class EagerEngineTest {

    @Test
    void eagerLoadOncePerExecutorSharedByTasksClosedOnStop() {
        int before = FakeEngineFactory.OPENS.get();
        SparkSession spark = TestSessions.local("local[2]").config("spark.klotski.engine.eager", "true").getOrCreate();
        try {
            assertEquals(before + 1, FakeEngineFactory.OPENS.get(), "loaded when the executor started");
            spark.range(0, 40, 1, 4).selectExpr("concat('p ', id) AS prompt").createOrReplaceTempView("eager");
            assertEquals(40, spark.sql("SELECT moe_generate(prompt) FROM eager").collectAsList().size());
            assertEquals(before + 1, FakeEngineFactory.OPENS.get(), "4 tasks on 2 threads reused the engine");
            assertEquals(Map.of("driver", 1), EngineLoadLog.loadsPerExecutor());
            assertEquals(1, ExecutorEngines.open().size());
            assertEquals(40L, pluginGauge("engine.requests"), "engine counters reach Spark's metric system");
            assertEquals(1, pluginGauge("engine.loaded"));
        } finally {
            spark.stop();
        }
        assertEquals(0, ExecutorEngines.open().size(), "closed when the executor stopped");
    }

    /** A gauge of the plugin's metric source, as Spark's metric sinks would read it. */
    private static long pluginGauge(String name) {
        for (org.apache.spark.metrics.source.Source src : scala.jdk.javaapi.CollectionConverters.asJava(
                org.apache.spark.SparkEnv.get().metricsSystem().getSourcesByName(
                        "plugin.dev.klotski.spark.KlotskiPlugin"))) {
            com.codahale.metrics.Gauge<?> g = src.metricRegistry().getGauges().get(name);
            if (g != null) {
                return ((Number) g.getValue()).longValue();
            }
        }
        throw new AssertionError("no gauge " + name);
    }
}
