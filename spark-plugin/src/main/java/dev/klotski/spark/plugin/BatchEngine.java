package dev.klotski.spark.plugin;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.RequestOutcome;
import java.util.List;

/**
 * The slice of {@link dev.klotski.engine.api.KlotskiEngine} the plugin uses. An interface so the plugin
 * can be tested with a stand-in engine; in production it is always the real engine.
 */
public interface BatchEngine extends AutoCloseable {

    /**
     * One multi-batch: an outcome per request, in request order, where a bad request fails alone. Safe to call
     * from concurrent tasks; stops (GenerationCancelledException) when the thread is interrupted or
     * {@code cancel} is requested, while waiting for the engine or between forward passes.
     */
    List<RequestOutcome> generate(List<GenerationRequest> requests, Cancellation cancel);

    int contextLength();

    EngineMetrics metrics();

    /** The group the engine advances together (n batches of b rows; 0 and 0: as many rows as memory holds). */
    GroupOptions group();

    @Override
    void close();
}
