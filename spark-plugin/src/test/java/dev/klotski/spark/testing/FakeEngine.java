package dev.klotski.spark.testing;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.FinishReason;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.GenerationCancelledException;
import dev.klotski.engine.api.GenerationStats;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.OverflowPolicy;
import dev.klotski.engine.api.PromptTooLongException;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.spark.plugin.BatchEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stand-in engine with the real engine's contract (one result per request, in order; overflow policy;
 * seeded sampling independent of the batch): tokens are words, the context holds {@link #CONTEXT} of them.
 * Greedy output echoes the prompt's words reversed; sampled output draws words from the row's seed.
 * Every call is recorded so tests can prove batching.
 */
public final class FakeEngine implements BatchEngine {
    public static final int CONTEXT = 100;
    /** A prompt containing this fails as if generation broke on it. */
    public static final String POISON = "<poison>";
    private static final String[] VOCAB = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"};
    private static final List<Integer> BATCH_SIZES = new ArrayList<>();
    private static final List<GenerationRequest> REQUESTS = new ArrayList<>();
    private long calls;
    private long requests;
    private int largest;
    private long promptTokens;
    private long generatedTokens;

    /** Batch sizes of every generate call by any FakeEngine in this JVM, in call order. */
    public static synchronized List<Integer> batchSizes() {
        return List.copyOf(BATCH_SIZES);
    }

    public static synchronized List<GenerationRequest> requests() {
        return List.copyOf(REQUESTS);
    }

    public static synchronized void reset() {
        BATCH_SIZES.clear();
        REQUESTS.clear();
    }

    @Override
    public synchronized List<RequestOutcome> generate(List<GenerationRequest> batch, Cancellation cancel) {
        if (Thread.currentThread().isInterrupted() || cancel.requested()) {
            throw new GenerationCancelledException("fake engine: cancelled");
        }
        List<RequestOutcome> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            out.add(outcome(i, batch.get(i), batch.size()));
        }
        BATCH_SIZES.add(batch.size());
        REQUESTS.addAll(batch);
        calls++;
        requests += batch.size();
        largest = Math.max(largest, batch.size());
        for (RequestOutcome o : out) {
            if (o instanceof RequestOutcome.Generated g) {
                promptTokens += g.result().stats().promptTokens();
                generatedTokens += g.result().stats().generatedTokens();
            }
        }
        return out;
    }

    /**
     * The outcome of one request, as the real engine reports it: too long for the context (overflow FAIL), or a
     * prompt containing {@link #POISON}, which fails "in the engine"; otherwise {@link #complete}.
     */
    public static RequestOutcome outcome(int index, GenerationRequest req, int batchSize) {
        if (req.text().contains(POISON)) {
            return new RequestOutcome.Failed(RequestOutcome.Failure.ENGINE_ERROR, "generation failed: poisoned prompt");
        }
        int words = promptWords(req).size();
        int max = req.params().maxNewTokens();
        if (words + max > CONTEXT && req.overflow() == OverflowPolicy.FAIL) {
            return new RequestOutcome.Failed(RequestOutcome.Failure.PROMPT_TOO_LONG,
                    PromptTooLongException.reason(words, max, CONTEXT));
        }
        return new RequestOutcome.Generated(complete(index, req, batchSize));
    }

    /** BOS, then the (chat-wrapped) prompt's words. */
    private static List<String> promptWords(GenerationRequest req) {
        List<String> prompt = new ArrayList<>(List.of("<s>"));
        String text = req.chat() ? "[INST] " + req.text() + " [/INST]" : req.text();
        prompt.addAll(Arrays.asList(text.trim().split("\\s+")));
        return prompt;
    }

    /** The output for one request, exactly as generate returns it; throws when it does not fit. */
    public static GenerationResult complete(int index, GenerationRequest req, int batchSize) {
        List<String> prompt = promptWords(req);
        int max = req.params().maxNewTokens();
        if (prompt.size() + max > CONTEXT) {
            if (req.overflow() == OverflowPolicy.FAIL) {
                throw new PromptTooLongException(index, prompt.size(), max, CONTEXT);
            }
            List<String> kept = new ArrayList<>(List.of("<s>"));
            kept.addAll(prompt.subList(prompt.size() - (CONTEXT - max - 1), prompt.size()));
            prompt = kept;
        }
        List<String> words = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(req.params().seed());
        for (int t = 0; t < max; t++) {
            words.add(req.params().greedy() ? prompt.get(prompt.size() - 1 - t % prompt.size())
                    : VOCAB[rnd.nextInt(VOCAB.length)]);
        }
        String out = String.join(" ", words);
        FinishReason reason = FinishReason.LENGTH;
        for (String stop : req.params().stopStrings()) {
            int at = out.indexOf(stop);
            if (at >= 0) {
                out = out.substring(0, at);
                reason = FinishReason.STOP_STRING;
            }
        }
        int[] ids = new int[prompt.size()];
        GenerationStats stats = new GenerationStats(prompt.size(), words.size(), 1_000_000, 2_000_000, batchSize, 4L * batchSize, 3L * batchSize);
        return new GenerationResult(ids, new int[words.size()], out, reason, List.of(), stats);
    }

    @Override
    public int contextLength() {
        return CONTEXT;
    }

    @Override
    public GroupOptions group() {
        return GroupOptions.DEFAULT;
    }

    @Override
    public synchronized EngineMetrics metrics() {
        return new EngineMetrics(calls, requests, largest, promptTokens, generatedTokens, 10 * requests,
                9 * requests, 0, 0);
    }

    @Override
    public void close() {
    }
}
