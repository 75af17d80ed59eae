package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineOptions;

/** Opens an engine; named by {@code spark.klotski.engine.factory}, created with its no-arg constructor. */
public interface EngineFactory {
    BatchEngine open(EngineOptions options);
}
