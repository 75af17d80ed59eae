package dev.klotski.engine.offload;

/** A routing profile file that cannot be used: unreadable, malformed, or learned on a model of another shape. */
public final class RoutingProfileException extends RuntimeException {
    public RoutingProfileException(String message) {
        super(message);
    }

    public RoutingProfileException(String message, Throwable cause) {
        super(message, cause);
    }
}
