package dev.klotski.engine.offload.replay;

/** A trace file that cannot be read: missing, truncated, of the wrong type or shape. The message names the file. */
public final class TraceFormatException extends RuntimeException {
    public TraceFormatException(String message) {
        super(message);
    }

    public TraceFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
