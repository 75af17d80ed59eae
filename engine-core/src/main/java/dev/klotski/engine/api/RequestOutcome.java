package dev.klotski.engine.api;

import java.util.Objects;

/**
 * What one request of a {@link KlotskiEngine#generateEach} call came to: its completion, or why it has none.
 * A failed request never costs its batch-mates their results.
 */
public sealed interface RequestOutcome permits RequestOutcome.Generated, RequestOutcome.Failed {

    /** Why a request has no completion. */
    enum Failure {
        /** The prompt and its max_new_tokens do not fit the model's context (overflow policy FAIL). */
        PROMPT_TOO_LONG,
        /** The prompt cannot be turned into tokens the model accepts (bad text, empty, ids outside the vocabulary). */
        INVALID_PROMPT,
        /** Generation itself failed for this request; requests that did not fail were generated as usual. */
        ENGINE_ERROR;

        /** The lower-case name used in messages, e.g. "prompt_too_long". */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The request was completed. */
    record Generated(GenerationResult result) implements RequestOutcome {
        public Generated {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The request was not completed.
     *
     * @param message what is wrong and how to fix it, without the request's index (the caller knows where it is)
     */
    record Failed(Failure failure, String message) implements RequestOutcome {
        public Failed {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(message, "message");
        }
    }
}
