package dev.klotski.engine.api;

import dev.klotski.engine.generate.GenerationRequest;
import dev.klotski.engine.generate.GenerationResult;
import java.util.List;

/**
 * The engine facade: the only entry point the CLI and the Spark plugin use. One instance holds one loaded
 * model; {@link #generate} is the one batch API and is safe to call from several threads (calls are served
 * one batch at a time, in arrival order).
 */
public final class KlotskiEngine implements AutoCloseable {

    /** Loads the model folder named by the options. Fails with a message naming the bad file or tensor. */
    public static KlotskiEngine open(EngineOptions options) {
        throw new UnsupportedOperationException("engine under construction");
    }

    /**
     * Completes every request of the batch together (ragged prefill, then batched decode) and returns one
     * result per request, in request order.
     *
     * @throws dev.klotski.engine.generate.PromptTooLongException when a request with overflow FAIL does not fit
     */
    public List<GenerationResult> generate(List<GenerationRequest> requests) {
        throw new UnsupportedOperationException("engine under construction");
    }

    /** Tokens the model can attend to: prompt plus generated tokens must fit. */
    public int contextLength() {
        throw new UnsupportedOperationException("engine under construction");
    }

    /** Counters since the engine was opened (generate calls, rows per call, tokens, expert hits). */
    public EngineMetrics metrics() {
        throw new UnsupportedOperationException("engine under construction");
    }

    @Override
    public void close() {
    }
}
