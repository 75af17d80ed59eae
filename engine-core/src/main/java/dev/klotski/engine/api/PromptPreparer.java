package dev.klotski.engine.api;

import static dev.klotski.engine.api.RequestOutcome.Failure.INVALID_PROMPT;
import static dev.klotski.engine.api.RequestOutcome.Failure.PROMPT_TOO_LONG;

import dev.klotski.engine.tokenizer.ChatMessage;
import dev.klotski.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a request into the token ids the model sees: tokenize (or chat-format), then fit the context. A
 * request that cannot be prepared is a {@link RejectedRequest} saying why.
 */
final class PromptPreparer {
    private final Tokenizer tokenizer;
    private final int contextLength;
    private final int vocabSize;

    PromptPreparer(Tokenizer tokenizer, int contextLength, int vocabSize) {
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
    }

    int[] prepare(GenerationRequest request) {
        int maxNew = request.params().maxNewTokens();
        if (maxNew >= contextLength) {
            throw new RejectedRequest(PROMPT_TOO_LONG, "max_new_tokens " + maxNew
                    + " leaves no room for a prompt in the model's context of " + contextLength
                    + " tokens; lower max_new_tokens below " + contextLength);
        }
        int[] ids = tokens(request);
        if (ids.length == 0) {
            throw new RejectedRequest(INVALID_PROMPT, "the prompt is empty and this model adds no BOS token, so "
                    + "there is nothing to generate from; give a non-empty prompt");
        }
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new RejectedRequest(INVALID_PROMPT, "token id " + id + " is outside the model's vocabulary [0, "
                        + vocabSize + ")" + (request.promptIds() != null ? "" : "; the tokenizer made it, so the "
                        + "folder's tokenizer.json does not match config.json's vocab_size — use the tokenizer that "
                        + "came with the model"));
            }
        }
        if (ids.length + maxNew <= contextLength) {
            return ids;
        }
        if (request.overflow() == OverflowPolicy.FAIL) {
            throw new RejectedRequest(PROMPT_TOO_LONG, PromptTooLongException.reason(ids.length, maxNew, contextLength));
        }
        return truncate(ids, contextLength - maxNew);
    }

    private int[] tokens(GenerationRequest request) {
        if (request.promptIds() != null) {
            return request.promptIds().clone();
        }
        requireEncodable("prompt", request.text());
        if (request.system() != null) {
            requireEncodable("system message", request.system());
        }
        try {
            if (!request.chat()) {
                return tokenizer.encode(request.text());
            }
            List<ChatMessage> messages = request.system() == null
                    ? List.of(new ChatMessage("user", request.text()))
                    : List.of(new ChatMessage("system", request.system()), new ChatMessage("user", request.text()));
            return tokenizer.encodeChat(messages, true);
        } catch (RuntimeException e) {
            throw new RejectedRequest(INVALID_PROMPT, "the tokenizer cannot encode the prompt: " + e.getMessage(), e);
        }
    }

    /**
     * A lone UTF-16 surrogate has no UTF-8 form: the tokenizer would silently see U+FFFD instead, so the model
     * would complete a different prompt than the one given.
     */
    private static void requireEncodable(String what, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new RejectedRequest(INVALID_PROMPT, "the " + what + " has an unpaired UTF-16 surrogate (U+"
                        + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + ") at char " + i
                        + ", which no UTF-8 text can hold; fix the text's encoding where it was read");
            }
        }
    }

    /** Keeps the last tokens that fit, and the leading BOS when there is one. */
    private int[] truncate(int[] ids, int keep) {
        boolean keepBos = tokenizer.bosId().isPresent() && ids[0] == tokenizer.bosId().getAsInt() && keep > 1;
        if (!keepBos) {
            return Arrays.copyOfRange(ids, ids.length - keep, ids.length);
        }
        int[] out = new int[keep];
        out[0] = ids[0];
        System.arraycopy(ids, ids.length - (keep - 1), out, 1, keep - 1);
        return out;
    }
}
