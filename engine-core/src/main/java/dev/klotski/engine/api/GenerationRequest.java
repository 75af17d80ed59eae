package dev.klotski.engine.api;

import java.util.Objects;

/**
 * One prompt to complete. Exactly one of {@code text} and {@code promptIds} is set: text is tokenized with
 * the model's tokenizer (adding BOS as its config says, and wrapped in the chat template when {@code chat},
 * after the {@code system} message when one is given), ids are used as given.
 */
public record GenerationRequest(String text, int[] promptIds, boolean chat, String system, SamplingParams params,
                                OverflowPolicy overflow) {

    public GenerationRequest {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(overflow, "overflow");
        if ((text == null) == (promptIds == null)) {
            throw new IllegalArgumentException("a request needs exactly one of prompt text and prompt ids");
        }
        if (promptIds != null && chat) {
            throw new IllegalArgumentException("chat formatting needs prompt text, not token ids");
        }
        if (system != null && !chat) {
            throw new IllegalArgumentException("a system message is only used with chat formatting: turn chat on");
        }
    }

    public static GenerationRequest ofText(String text, SamplingParams params) {
        return new GenerationRequest(text, null, false, null, params, OverflowPolicy.FAIL);
    }

    public static GenerationRequest ofIds(int[] ids, SamplingParams params) {
        return new GenerationRequest(null, ids.clone(), false, null, params, OverflowPolicy.FAIL);
    }

    public GenerationRequest withChat(boolean c) {
        return new GenerationRequest(text, promptIds, c, system, params, overflow);
    }

    /** A system message before the prompt (needs chat); null for none. */
    public GenerationRequest withSystem(String message) {
        return new GenerationRequest(text, promptIds, chat, message, params, overflow);
    }

    public GenerationRequest withOverflow(OverflowPolicy o) {
        return new GenerationRequest(text, promptIds, chat, system, params, o);
    }
}
