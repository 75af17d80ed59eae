package dev.klotski.engine.generate;

/**
 * A call reached the engine after close began, or waited in its queue until then: nothing of it ran. Not the
 * request's fault, so fault isolation never retries it.
 */
public final class EngineClosedException extends IllegalStateException {
    public EngineClosedException(String message) {
        super(message);
    }
}
