/**
 * Text to token ids and back, plus chat formatting.
 *
 * <p>{@link dev.klotski.engine.tokenizer.HfTokenizer} wraps the Hugging Face tokenizers library (Rust, through
 * DJL's JNI binding) for a model folder's {@code tokenizer.json}, and reads BOS/EOS and the chat template from
 * the folder's JSON configs. Chat templates are Jinja in the wild; no Java Jinja engine renders the real ones, so
 * {@link dev.klotski.engine.tokenizer.ChatTemplates} recognises a template family by its markers and picks a
 * hand-written {@link dev.klotski.engine.tokenizer.ChatFormatter}. {@link
 * dev.klotski.engine.tokenizer.ByteLevelBpeTokenizerWriter} makes a small real tokenizer for random-weight models.
 */
package dev.klotski.engine.tokenizer;
