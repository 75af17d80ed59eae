package dev.klotski.engine.api;

import java.util.concurrent.CancellationException;

/**
 * A generate call stopped early because its thread was interrupted or its {@link Cancellation} asked for it.
 * It stops before the next forward pass, or while still waiting for the engine; either way no output of the
 * call exists, and the engine is free for the next call.
 */
public class GenerationCancelledException extends CancellationException {
    public GenerationCancelledException(String message) {
        super(message);
    }
}
