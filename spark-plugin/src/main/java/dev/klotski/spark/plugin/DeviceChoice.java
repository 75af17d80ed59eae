package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.SharedModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the engine to the GPU Spark assigned this executor when the engine can use it, else to the CPU with
 * one log line. A failure to open on a supported GPU is a real error and is not hidden by a CPU fallback.
 */
final class DeviceChoice {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

    record Opened(BatchEngine engine, String device) {
    }

    private DeviceChoice() {
    }

    static Opened open(EngineFactory factory, EngineOptions.Builder options, String gpuAddress, SharedModels models) {
        if (gpuAddress != null) {
            String device = "cuda:" + gpuAddress;
            if (factory.supportsDevice(device)) {
                return new Opened(factory.open(options.optDevice(device).build(), models), device);
            }
            LOG.warn("GPU {} is assigned to this executor but this engine build runs on the CPU only; "
                    + "running on the CPU", gpuAddress);
        }
        return new Opened(factory.open(options.optDevice("cpu").build(), models), "cpu");
    }
}
