package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import java.util.List;

/** The default factory: the real Klotski engine. */
public final class KlotskiEngineFactory implements EngineFactory {

    @Override
    public BatchEngine open(EngineOptions options) {
        KlotskiEngine engine = KlotskiEngine.open(options);
        return new BatchEngine() {
            @Override
            public List<GenerationResult> generate(List<GenerationRequest> requests) {
                return engine.generate(requests);
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
