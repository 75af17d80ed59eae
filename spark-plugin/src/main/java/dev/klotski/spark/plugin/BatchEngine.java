package dev.klotski.spark.plugin;

import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import java.util.List;

/**
 * The slice of {@link dev.klotski.engine.api.KlotskiEngine} the plugin uses. An interface so the plugin
 * can be tested with a stand-in engine; in production it is always the real engine.
 */
public interface BatchEngine extends AutoCloseable {

    /** One multi-batch; results in request order. Safe to call from concurrent tasks. */
    List<GenerationResult> generate(List<GenerationRequest> requests);

    int contextLength();

    EngineMetrics metrics();

    @Override
    void close();
}
