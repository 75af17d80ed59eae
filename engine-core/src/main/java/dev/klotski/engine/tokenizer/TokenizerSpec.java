package dev.klotski.engine.tokenizer;

/**
 * The ids a written tokenizer gives its special tokens; -1 where it has none (these tokenizers have no BOS).
 * {@code eosId} is {@code <|im_end|>}, {@code padId} and {@code endOfTextId} are {@code <|endoftext|>}.
 */
public record TokenizerSpec(int vocabSize, int bosId, int eosId, int padId, int endOfTextId, int imStartId,
                            int imEndId) {
}
