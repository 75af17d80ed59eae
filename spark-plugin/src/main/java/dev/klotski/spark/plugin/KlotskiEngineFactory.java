package dev.klotski.spark.plugin;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.SharedModels;
import java.util.List;

/** The default factory: the real Klotski engine. */
public final class KlotskiEngineFactory implements EngineFactory {

    @Override
    public BatchEngine open(EngineOptions options) {
        return wrap(KlotskiEngine.open(options));
    }

    @Override
    public BatchEngine open(EngineOptions options, SharedModels models) {
        return wrap(models.open(options));
    }

    private static BatchEngine wrap(KlotskiEngine engine) {
        return new BatchEngine() {
            @Override
            public List<RequestOutcome> generate(List<GenerationRequest> requests, Cancellation cancel) {
                return engine.generateEach(requests, cancel);
            }

            @Override
            public int contextLength() {
                return engine.contextLength();
            }

            @Override
            public EngineMetrics metrics() {
                return engine.metrics();
            }

            @Override
            public GroupOptions group() {
                return engine.options().group();
            }

            @Override
            public void close() {
                engine.close();
            }
        };
    }
}
