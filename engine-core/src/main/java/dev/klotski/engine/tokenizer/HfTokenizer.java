package dev.klotski.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.klotski.engine.util.StrictUtf8;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.IntStream;

/**
 * A model folder's Hugging Face fast tokenizer ({@code tokenizer.json}) run by the Rust tokenizers library
 * through DJL, with BOS/EOS and chat template taken from the folder's JSON configs.
 *
 * <p>Thread safety: the Rust tokenizer's encode and decode take {@code &self} and the library's internal caches
 * are locked, so concurrent calls are safe; a read-write lock only keeps {@link #close()} from freeing the native
 * handle under a running call.
 */
public final class HfTokenizer implements Tokenizer {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // as the tokenizers library refuses them
            .build();

    private final HuggingFaceTokenizer hf;
    private final TokenizerVocab vocab;
    private final TokenizerSettings settings;
    private final int bosId;          // -1: none
    private final boolean addBos;
    private final int eosTokenId;     // -1: none; appended when add_eos_token
    private final int[] eosIds;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile ChatFormatter chatFormatter;
    private boolean closed;

    private HfTokenizer(HuggingFaceTokenizer hf, TokenizerVocab vocab, TokenizerSettings settings) {
        this.hf = hf;
        this.vocab = vocab;
        this.settings = settings;
        int bos = vocab.id(settings.bosToken());
        if (bos < 0 && !settings.hasBosKey() && settings.bosTokenId() != null) {
            bos = settings.bosTokenId();
        }
        boolean add;
        if (settings.addBos() != null) {
            add = settings.addBos() && bos >= 0;
        } else {
            // No add_bos_token key (e.g. Llama 3): do what the tokenizer.json post-processor would do.
            long[] probe = hf.encode("", true, false).getIds();
            add = probe.length > 0 && vocab.isSpecial((int) probe[0]);
            if (add) {
                bos = (int) probe[0];
            }
        }
        this.bosId = bos;
        this.addBos = add;
        this.eosTokenId = vocab.id(settings.eosToken());
        // generation_config's ids and tokenizer_config's eos_token can differ (a Qwen base config ends on
        // <|endoftext|>, its chat template on <|im_end|>): generation stops at any of them.
        this.eosIds = IntStream.concat(Arrays.stream(settings.eosTokenIds()),
                eosTokenId >= 0 ? IntStream.of(eosTokenId) : IntStream.empty()).distinct().toArray();
    }

    /**
     * Loads {@code tokenizer.json} and the configs beside it.
     *
     * @throws IllegalArgumentException when the folder has no {@code tokenizer.json}
     */
    public static HfTokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no tokenizer.json at " + file.toAbsolutePath() + ": Klotski reads "
                    + "Hugging Face fast tokenizers only. Copy tokenizer.json from the model's Hugging Face "
                    + "repository into " + modelDir.toAbsolutePath() + ", or make one from a SentencePiece "
                    + "tokenizer.model with transformers: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)");
        }
        DjlNative.configure();
        try {
            byte[] bytes = Files.readAllBytes(file);
            JsonNode json = JSON.readTree(StrictUtf8.decode(bytes));
            // We add BOS/EOS ourselves from tokenizer_config.json, and prompts are never cut or padded here.
            Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false");
            HuggingFaceTokenizer hf;
            try {
                hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
            } catch (RuntimeException e) {
                // The Rust library reports a bad file as a bare RuntimeException naming neither file nor fix.
                throw new IllegalArgumentException(file.toAbsolutePath() + " is not a tokenizer the Hugging Face "
                        + "tokenizers library can read (" + e.getMessage() + "); it is corrupt or from an "
                        + "unsupported tokenizers version — copy tokenizer.json again from the model's Hugging Face "
                        + "repository", e);
            }
            try {
                return new HfTokenizer(hf, TokenizerVocab.of(json, file), TokenizerSettings.read(modelDir));
            } catch (RuntimeException e) {
                hf.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        int[] body = encodeWithoutSpecial(text);
        int extra = (addBos ? 1 : 0) + (settings.addEos() && eosTokenId >= 0 ? 1 : 0);
        if (extra == 0) {
            return body;
        }
        int[] out = new int[body.length + extra];
        int at = 0;
        if (addBos) {
            out[at++] = bosId;
        }
        System.arraycopy(body, 0, out, at, body.length);
        if (extra > (addBos ? 1 : 0)) {
            out[out.length - 1] = eosTokenId;
        }
        return out;
    }

    @Override
    public int[] encodeWithoutSpecial(String text) {
        lock.readLock().lock();
        try {
            ensureOpen();
            // addSpecialTokens=false skips the post-processor only; added tokens in the text are still matched.
            Encoding enc = hf.encode(text, false, false);
            return Arrays.stream(enc.getIds()).mapToInt(Math::toIntExact).toArray();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String decode(int[] ids) {
        long[] longs = Arrays.stream(ids).asLongStream().toArray();
        lock.readLock().lock();
        try {
            ensureOpen();
            return hf.decode(longs, true);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public OptionalInt bosId() {
        return bosId >= 0 ? OptionalInt.of(bosId) : OptionalInt.empty();
    }

    /** Whether {@link #encode} starts with BOS. */
    public boolean addsBos() {
        return addBos;
    }

    @Override
    public int[] eosIds() {
        return eosIds.clone();
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public boolean isSpecial(int id) {
        return vocab.isSpecial(id);
    }

    @Override
    public ChatFormatter chatFormatter() {
        ChatFormatter f = chatFormatter;
        if (f == null) {
            f = ChatTemplates.select(settings.chatTemplate(), settings.bosToken(), settings.eosToken());
            chatFormatter = f;
        }
        return f;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                hf.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("tokenizer is closed");
        }
    }
}
