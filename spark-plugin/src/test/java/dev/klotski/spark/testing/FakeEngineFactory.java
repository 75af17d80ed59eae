package dev.klotski.spark.testing;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.spark.plugin.BatchEngine;
import dev.klotski.spark.plugin.EngineFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Opens {@link FakeEngine}s and counts the opens (one per executor JVM is the contract). */
public final class FakeEngineFactory implements EngineFactory {
    public static final AtomicInteger OPENS = new AtomicInteger();

    @Override
    public BatchEngine open(EngineOptions options) {
        if (!options.device().equals("cpu")) {
            throw new UnsupportedOperationException("fake engine runs on the cpu only");
        }
        OPENS.incrementAndGet();
        return new FakeEngine();
    }
}
