package dev.klotski.engine.api;

/** Thrown inside the engine when a request cannot be prepared; becomes a {@link RequestOutcome.Failed} or an exception. */
final class RejectedRequest extends RuntimeException {
    private final RequestOutcome.Failure failure;

    RejectedRequest(RequestOutcome.Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    RejectedRequest(RequestOutcome.Failure failure, String message) {
        this(failure, message, null);
    }

    RequestOutcome.Failed outcome() {
        return new RequestOutcome.Failed(failure, getMessage());
    }

    /** The exception {@link KlotskiEngine#generate} has always thrown for this problem, naming the request. */
    RuntimeException forRequest(int index) {
        if (failure == RequestOutcome.Failure.PROMPT_TOO_LONG) {
            return new PromptTooLongException(index, getMessage());
        }
        return new IllegalArgumentException("request " + index + ": " + getMessage(), getCause());
    }
}
