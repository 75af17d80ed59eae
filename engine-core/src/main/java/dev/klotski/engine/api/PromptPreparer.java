package dev.klotski.engine.api;

import dev.klotski.engine.tokenizer.ChatMessage;
import dev.klotski.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/** Turns a request into the token ids the model sees: tokenize (or chat-format), then fit the context. */
final class PromptPreparer {
    private final Tokenizer tokenizer;
    private final int contextLength;
    private final int vocabSize;

    PromptPreparer(Tokenizer tokenizer, int contextLength, int vocabSize) {
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
    }

    int[] prepare(int index, GenerationRequest request) {
        int[] ids;
        if (request.promptIds() != null) {
            ids = request.promptIds().clone();
        } else if (request.chat()) {
            List<ChatMessage> messages = request.system() == null
                    ? List.of(new ChatMessage("user", request.text()))
                    : List.of(new ChatMessage("system", request.system()), new ChatMessage("user", request.text()));
            ids = tokenizer.encodeChat(messages, true);
        } else {
            ids = tokenizer.encode(request.text());
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("request " + index + ": the prompt is empty and this model adds no "
                    + "BOS token, so there is nothing to generate from; give a non-empty prompt");
        }
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("request " + index + ": token id " + id
                        + " is outside the model's vocabulary [0, " + vocabSize + ")");
            }
        }
        int maxNew = request.params().maxNewTokens();
        if (maxNew >= contextLength) {
            throw new IllegalArgumentException("request " + index + ": max_new_tokens " + maxNew
                    + " leaves no room for a prompt in the model's context of " + contextLength + " tokens");
        }
        if (ids.length + maxNew <= contextLength) {
            return ids;
        }
        if (request.overflow() == OverflowPolicy.FAIL) {
            throw new PromptTooLongException(index, ids.length, maxNew, contextLength);
        }
        return truncate(ids, contextLength - maxNew);
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
