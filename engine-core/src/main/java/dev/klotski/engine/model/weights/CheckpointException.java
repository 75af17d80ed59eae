package dev.klotski.engine.model.weights;

/**
 * A checkpoint cannot be read or written. Unchecked because there is nothing a caller can do but report it;
 * the message is written for the user: it names the problem, the file (and tensor when relevant) and the fix.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
