package dev.klotski.engine.generate;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.MoeModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Completes prompts: every call becomes a submission to the engine's {@link BatchLoop}, which advances the
 * sequences of all calls together (ragged prefill in chunks, then one decode token per sequence and pass), so
 * calls from several threads share forward passes and expert loads. A call returns when its last sequence is
 * done.
 */
public final class Generator implements AutoCloseable {
    private final BatchLoop loop;

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
        this(model, kernels, decoder, GroupLimits.kvBound(maxBatchTokens), eosIds);
    }

    /** @param limits how many sequences advance together and how many tokens a pass holds */
    public Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, GroupLimits limits,
                     int[] eosIds) {
        this(model, kernels, decoder, limits, eosIds, KvBudget::freeHeap);
    }

    /** As the full constructor, with the memory KV caches may use measured by {@code availableBytes}. */
    Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, int maxBatchTokens, int[] eosIds,
              LongSupplier availableBytes) {
        this(model, kernels, decoder, GroupLimits.kvBound(maxBatchTokens), eosIds, availableBytes);
    }

    Generator(MoeModel model, Kernels kernels, Function<int[], String> decoder, GroupLimits limits, int[] eosIds,
              LongSupplier availableBytes) {
        this.loop = new BatchLoop(model, kernels, decoder, eosIds, limits, new KvBudget(model.config(), availableBytes));
    }

    /** What the loop did since it started (passes, their time, tokens, expert figures). */
    public LoopFigures figures() {
        return loop.figures();
    }

    public GroupLimits limits() {
        return loop.limits();
    }

    /** Calls waiting for the loop to admit them. */
    int queuedCalls() {
        return loop.queuedCalls();
    }

    /** Completes every prompt; prompts must already fit the context with their max_new_tokens. */
    public List<Outcome> generate(List<int[]> prompts, List<SamplingSpec> params) {
        return generate(prompts, params, () -> false);
    }

    /**
     * As {@link #generate(List, List)}, stopping with a {@link CancellationException} before the call's next
     * forward pass once the calling thread is interrupted or {@code cancelled} says so (the loop polls it before
     * every pass that feeds this call; while the call still waits for room, the caller polls it). Forward passes
     * are the unit of work (one decode step of the group, or one prefill chunk), so a cancel takes effect within
     * one of them, and nothing of the call survives it: its sequences leave the group and their caches are freed.
     */
    public List<Outcome> generate(List<int[]> prompts, List<SamplingSpec> params, BooleanSupplier cancelled) {
        List<Sequence> sequences = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = prompts.get(i);
            if (ids.length == 0) {
                throw new IllegalArgumentException("request " + i + ": the prompt has no tokens");
            }
            sequences.add(new Sequence(ids, params.get(i)));
        }
        if (sequences.isEmpty()) {
            return List.of();
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("generate interrupted before it started");
        }
        loop.checkFits(sequences);
        Submission s = new Submission(sequences, cancelled);
        loop.submit(s);
        return s.await(loop);
    }

    /** Runs {@code work} on the engine's loop thread between passes (it uses the backend the passes use). */
    public <T> T exclusive(Supplier<T> work) {
        return loop.onLoop(work);
    }

    /** Finishes the calls that have started, refuses the rest, and stops the loop thread. */
    @Override
    public void close() {
        loop.close();
    }
}
