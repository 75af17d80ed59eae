package dev.klotski.spark.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.SharedModels;
import dev.klotski.spark.testing.FakeEngineFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** GPU binding, CPU fallback and extension install, without a Spark session. */
class DevicePluginTest {

    @Test
    void oneGpuAddressIsTakenMoreIsRefused() {
        assertNull(GpuBinding.address(Map.of()));
        assertEquals("3", GpuBinding.address(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}))));
        IllegalStateException two = assertThrows(IllegalStateException.class, () -> GpuBinding.address(
                Map.of("gpu", new ResourceInformation("gpu", new String[] {"0", "1"}))));
        assertTrue(two.getMessage().contains("spark.executor.resource.gpu.amount=1"));
    }

    @Test
    void gpuExecutorRunsOnTheCpuWhileTheEngineCannotUseGpus() {
        List<String> devices = new ArrayList<>();
        EngineFactory cpuOnly = options -> {
            devices.add(options.device());
            return new FakeEngineFactory().open(options);
        };
        DeviceChoice.Opened opened = DeviceChoice.open(cpuOnly, EngineOptions.builder(Path.of("/m")), "2", new SharedModels());
        assertEquals(List.of("cpu"), devices, "the CPU-only engine is never asked for cuda:2");
        assertEquals("cpu", opened.device());
        devices.clear();
        assertEquals("cpu", DeviceChoice.open(cpuOnly, EngineOptions.builder(Path.of("/m")), null, new SharedModels()).device());
        assertEquals(List.of("cpu"), devices, "no GPU: the CPU directly");
    }

    @Test
    void gpuExecutorBindsItsGpuWhenTheEngineSupportsIt() {
        List<String> devices = new ArrayList<>();
        EngineFactory withCuda = new EngineFactory() {
            @Override
            public BatchEngine open(EngineOptions options) {
                devices.add(options.device());
                return new FakeEngineFactory().open(EngineOptions.builder(options.modelDir()).build());
            }

            @Override
            public boolean supportsDevice(String device) {
                return true;
            }
        };
        assertEquals("cuda:2", DeviceChoice.open(withCuda, EngineOptions.builder(Path.of("/m")), "2", new SharedModels()).device());
        assertEquals(List.of("cuda:2"), devices);
    }

    @Test
    void driverPluginAppendsTheExtensionOnce() {
        SparkConf conf = new SparkConf(false).set("spark.sql.extensions", "com.example.Other");
        KlotskiDriverPlugin.appendExtension(conf);
        KlotskiDriverPlugin.appendExtension(conf);
        assertEquals("com.example.Other," + KlotskiDriverPlugin.EXTENSION_CLASS, conf.get("spark.sql.extensions"));
    }
}
