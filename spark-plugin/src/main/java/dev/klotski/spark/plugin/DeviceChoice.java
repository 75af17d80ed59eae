package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the engine to the GPU Spark assigned this executor, or the CPU. The engine API has no way to ask
 * which devices it supports, so a GPU executor tries "cuda:N" and falls back to the CPU with one log line.
 */
final class DeviceChoice {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

    record Opened(BatchEngine engine, String device) {
    }

    private DeviceChoice() {
    }

    static Opened open(EngineFactory factory, EngineOptions.Builder options, String gpuAddress) {
        if (gpuAddress != null) {
            String device = "cuda:" + gpuAddress;
            try {
                return new Opened(factory.open(options.optDevice(device).build()), device);
            } catch (RuntimeException e) {
                LOG.warn("GPU {} is assigned to this executor but the engine cannot use it ({}); running on the CPU",
                        gpuAddress, e.toString());
            }
        }
        return new Opened(factory.open(options.optDevice("cpu").build()), "cpu");
    }
}
