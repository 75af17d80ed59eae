package dev.klotski.engine.api;

/**
 * A caller's way to stop its generate call: checked while the call waits for the engine and before every
 * forward pass, beside the calling thread's interrupt status (which is always honoured). The Spark plugin
 * passes its task's kill flag, since Spark does not always interrupt a killed task's thread.
 */
@FunctionalInterface
public interface Cancellation {
    /** Never cancelled: only an interrupt stops the call. */
    Cancellation NONE = () -> false;

    /** Whether the caller wants the call to stop now; must be cheap and thread-safe. */
    boolean requested();
}
