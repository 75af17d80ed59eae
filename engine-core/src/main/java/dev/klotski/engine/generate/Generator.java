package dev.klotski.engine.generate;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ForwardBatch;
import dev.klotski.engine.model.layers.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Runs a batch of prompts to completion: one ragged prefill over all prompts (in chunks of at most
 * {@code maxBatchTokens} tokens), then decode steps that feed one token of every still-active sequence.
 */
public final class Generator {
    private final MoeModel model;
    private final Kernels kernels;
    private final Function<int[], String> decoder;
    private final int maxBatchTokens;
    private final int[] eosIds;
    private final Workspace workspace; // calls are served one at a time, so one workspace serves them all
    private final AtomicLong nextRequestId = new AtomicLong();
    private KvBudget kvBudget;

    /**
     * @param decoder         turns output ids into text (special tokens skipped)
     * @param maxBatchTokens  most tokens in one forward pass: bounds activation memory during prefill
     */
    public Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, int maxBatchTokens) {
        this(model, kernels, decoder, maxBatchTokens, model.config().eosTokenIds());
    }

    /** @param eosIds tokens that end a sequence (the model's and the tokenizer's) */
    public Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, int maxBatchTokens,
                     int[] eosIds) {
        this.model = model;
        this.kernels = kernels;
        this.decoder = decoder;
        this.maxBatchTokens = maxBatchTokens;
        this.eosIds = eosIds.clone();
        this.workspace = model.newWorkspace(kernels);
        this.kvBudget = new KvBudget(model.config(), KvBudget::freeHeap);
    }

    /** As the full constructor, with the memory KV caches may use measured by {@code availableBytes}. */
    Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, int maxBatchTokens, int[] eosIds,
              java.util.function.LongSupplier availableBytes) {
        this(model, kernels, decoder, maxBatchTokens, eosIds);
        this.kvBudget = new KvBudget(model.config(), availableBytes);
    }

    /** Completes every prompt; prompts must already fit the context with their max_new_tokens. */
    public List<Outcome> generate(List<int[]> prompts, List<SamplingSpec> params) {
        return generate(prompts, params, () -> false);
    }

    /**
     * As {@link #generate(List, List)}, stopping with a {@link CancellationException} before the next forward
     * pass once the calling thread is interrupted or {@code cancelled} says so. Forward passes are the unit of
     * work (one decode step, or one prefill chunk of at most maxBatchTokens), so a cancel takes effect within
     * one of them, and nothing of the call survives it: its caches are its own and the workspace is free.
     */
    public List<Outcome> generate(List<int[]> prompts, List<SamplingSpec> params, BooleanSupplier cancelled) {
        ModelConfig config = model.config();
        kvBudget.check(prompts, params);
        List<Sequence> sequences = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = prompts.get(i);
            if (ids.length == 0) {
                throw new IllegalArgumentException("request " + i + ": the prompt has no tokens");
            }
            int expected = Math.min(config.contextLength(), ids.length + Math.min(params.get(i).maxNewTokens(), 256));
            sequences.add(new Sequence(ids, params.get(i),
                    new KvCache(kernels, config.layers(), config.kvDim(), config.contextLength(), expected)));
        }
        ExpertCounters experts = new ExpertCounters();
        long[] requestIds = new long[sequences.size()];
        for (int i = 0; i < requestIds.length; i++) {
            requestIds[i] = nextRequestId.getAndIncrement();
        }
        long start = System.nanoTime();
        long prefillDone;
        try {
            prefill(sequences, requestIds, experts, cancelled);
            prefillDone = System.nanoTime();
            while (sequences.stream().anyMatch(Sequence::active)) {
                decodeStep(sequences, requestIds, experts, cancelled);
            }
        } finally {
            for (long id : requestIds) {
                model.experts().requestEnded(id);
            }
        }
        long end = System.nanoTime();
        List<Outcome> results = new ArrayList<>(sequences.size());
        for (Sequence s : sequences) {
            String text = s.finish == StopReason.STOP_STRING ? s.text : decoder.apply(s.outputIds());
            results.add(new Outcome(s.promptIds.clone(), s.outputIds(), text, s.finish, List.copyOf(s.topLogprobs),
                    prefillDone - start, end - prefillDone, sequences.size(), experts));
        }
        return results;
    }

    private static void checkCancelled(BooleanSupplier cancelled) {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new CancellationException("generation cancelled between forward passes");
        }
    }

    /** Feeds every prompt token, chunked, and samples each sequence's first token from its last prompt row. */
    private void prefill(List<Sequence> sequences, long[] requestIds, ExpertCounters experts,
                         BooleanSupplier cancelled) {
        Passes passes = new Passes(sequences, requestIds, experts, cancelled);
        for (int s = 0; s < sequences.size(); s++) {
            Sequence seq = sequences.get(s);
            if (seq.active()) {
                for (int p = 0; p < seq.promptIds.length; p++) {
                    passes.add(s, seq.promptIds[p], p, p == seq.promptIds.length - 1);
                }
            }
        }
        passes.flush();
    }

    /** Feeds the last token of every active sequence. */
    private void decodeStep(List<Sequence> sequences, long[] requestIds, ExpertCounters experts,
                            BooleanSupplier cancelled) {
        Passes passes = new Passes(sequences, requestIds, experts, cancelled);
        for (int s = 0; s < sequences.size(); s++) {
            Sequence seq = sequences.get(s);
            if (seq.active()) {
                passes.add(s, seq.lastToken(), seq.length() - 1, true);
            }
        }
        passes.flush();
    }

    /**
     * Collects tokens and runs a forward pass whenever maxBatchTokens are waiting, and on flush; checks for
     * cancellation before each pass.
     */
    private final class Passes {
        private final List<Sequence> sequences;
        private final KvCache[] caches;
        private final long[] requestIds;
        private final ExpertCounters experts;
        private final BooleanSupplier cancelled;
        private ChunkBuilder chunk = new ChunkBuilder();

        Passes(List<Sequence> sequences, long[] requestIds, ExpertCounters experts, BooleanSupplier cancelled) {
            this.sequences = sequences;
            this.requestIds = requestIds;
            this.experts = experts;
            this.caches = sequences.stream().map(s -> s.cache).toArray(KvCache[]::new);
            this.cancelled = cancelled;
        }

        void add(int sequence, int token, int position, boolean wantsLogits) {
            chunk.add(sequence, token, position, wantsLogits);
            if (chunk.size() == maxBatchTokens) {
                flush();
            }
        }

        void flush() {
            if (chunk.size() > 0) {
                checkCancelled(cancelled); // between forward passes: nothing is half done here
                run(chunk.build(caches, requestIds, experts), sequences);
                chunk = new ChunkBuilder();
            }
        }
    }

    /** One forward pass; sequences with a logits row sample their next token. */
    private void run(ForwardBatch batch, List<Sequence> sequences) {
        for (int t = 0; t < batch.size(); t++) {
            batch.caches()[batch.sequence()[t]].ensureCapacity(batch.positions()[t] + 1);
        }
        long start = workspace.tracer().enabled() ? System.nanoTime() : 0;
        float[] logits = model.forward(kernels, workspace, batch);
        if (workspace.tracer().enabled()) {
            workspace.tracer().span("passes", "pass of " + batch.size() + " tokens, " + batch.logitRows().length
                    + " sequences", start, System.nanoTime());
        }
        ModelConfig config = model.config();
        int vocab = config.vocabSize();
        int[] rows = batch.logitRows();
        for (int i = 0; i < rows.length; i++) {
            Sequence seq = sequences.get(batch.sequence()[rows[i]]);
            seq.accept(logits, i * vocab, vocab, eosIds, config.contextLength(), decoder);
        }
    }

    /** Accumulates the tokens of one forward pass. */
    private static final class ChunkBuilder {
        private final List<int[]> entries = new ArrayList<>(); // {sequence, token, position, wantsLogits}

        void add(int sequence, int token, int position, boolean wantsLogits) {
            entries.add(new int[] {sequence, token, position, wantsLogits ? 1 : 0});
        }

        int size() {
            return entries.size();
        }

        ForwardBatch build(KvCache[] caches, long[] requestIds, ExpertCounters experts) {
            int n = entries.size();
            int[] tokens = new int[n];
            int[] positions = new int[n];
            int[] sequence = new int[n];
            List<Integer> logitRows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] e = entries.get(i);
                sequence[i] = e[0];
                tokens[i] = e[1];
                positions[i] = e[2];
                if (e[3] == 1) {
                    logitRows.add(i);
                }
            }
            return new ForwardBatch(tokens, positions, sequence, caches,
                    logitRows.stream().mapToInt(Integer::intValue).toArray(), requestIds, experts);
        }
    }
}
