package dev.klotski.engine.tokenizer;

import java.util.List;
import java.util.OptionalInt;

/** A model's tokenizer. Implementations are safe for concurrent encode/decode from many threads. */
public interface Tokenizer extends AutoCloseable {

    /**
     * Encodes text as a prompt: adds BOS (and EOS) when the model's tokenizer config says so, and turns special
     * tokens written in the text (such as {@code <s>} or {@code <|im_start|>}) into their single ids.
     */
    int[] encode(String text);

    /** Like {@link #encode} but never adds BOS/EOS; special tokens written in the text are still parsed. */
    int[] encodeWithoutSpecial(String text);

    /**
     * Decodes ids to text, skipping special tokens and without clean-up of spaces (Hugging Face
     * {@code skip_special_tokens=True, clean_up_tokenization_spaces=False}).
     */
    String decode(int[] ids);

    OptionalInt bosId();

    /** Ids that end generation; may be several (e.g. Qwen's {@code <|im_end|>} and {@code <|endoftext|>}). */
    int[] eosIds();

    int vocabSize();

    boolean isSpecial(int id);

    /**
     * The chat formatter for this model's template.
     *
     * @throws UnsupportedChatTemplateException when the model has no chat template Klotski knows
     */
    ChatFormatter chatFormatter();

    /**
     * Formats messages with {@link #chatFormatter()} and encodes the result. BOS is added only when the formatted
     * text does not already start with it, so a template that writes {@code <s>} itself does not get two.
     */
    default int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        ChatFormatter formatter = chatFormatter();
        String text = formatter.format(messages, addGenerationPrompt);
        return formatter.startsWithBos() ? encodeWithoutSpecial(text) : encode(text);
    }

    @Override
    void close();
}
