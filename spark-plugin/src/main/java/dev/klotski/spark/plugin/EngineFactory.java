package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SharedModels;

/** Opens an engine; named by {@code spark.klotski.engine.factory}, created with its no-arg constructor. */
public interface EngineFactory {
    BatchEngine open(EngineOptions options);

    /**
     * As {@link #open(EngineOptions)}, sharing the loaded model with the executor's other engines of the same
     * model (option sets that differ only in kernels mode, threads or group). Stand-in engines load nothing.
     */
    default BatchEngine open(EngineOptions options, SharedModels models) {
        return open(options);
    }

    /** Whether engines from this factory can run on the device ("cpu", "cuda:N"). */
    default boolean supportsDevice(String device) {
        return KlotskiEngine.supportsDevice(device);
    }
}
