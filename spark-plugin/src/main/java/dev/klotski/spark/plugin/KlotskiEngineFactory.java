package dev.klotski.spark.plugin;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.RequestOutcome;
import java.util.List;

/** The default factory: the real Klotski engine. */
public final class KlotskiEngineFactory implements EngineFactory {

    @Override
    public BatchEngine open(EngineOptions options) {
        KlotskiEngine engine = KlotskiEngine.open(options);
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
            public void close() {
                engine.close();
            }
        };
    }
}
