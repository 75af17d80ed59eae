package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.KlotskiEngine;

/** Opens an engine; named by {@code spark.klotski.engine.factory}, created with its no-arg constructor. */
public interface EngineFactory {
    BatchEngine open(EngineOptions options);

    /** Whether engines from this factory can run on the device ("cpu", "cuda:N"). */
    default boolean supportsDevice(String device) {
        return KlotskiEngine.supportsDevice(device);
    }
}
