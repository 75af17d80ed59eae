package dev.klotski.engine.generate;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ForwardBatch;
import dev.klotski.engine.model.layers.Workspace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The engine's own thread and its request queue. Callers submit whole calls and wait on futures; the loop keeps
 * one group of running sequences from any number of calls and advances it one forward pass at a time: every
 * running sequence's next token plus as many prompt tokens of newly admitted ones as the pass holds. A finished
 * sequence leaves at once and the next waiting one joins (continuous batching), so concurrent calls share every
 * expert load. Sequences are admitted in arrival order while the group has room and their KV caches fit.
 *
 * <p>Results never depend on the company a sequence keeps: in batch-invariant mode every row's arithmetic is
 * fixed whatever else is in its pass, and sampling is per sequence.
 */
final class BatchLoop implements AutoCloseable {
    private final MoeModel model;
    private final Kernels kernels;
    private final Function<int[], String> decoder;
    private final int[] eosIds;
    private final GroupLimits limits;
    private final KvBudget kvBudget;
    private final Workspace workspace;                   // loop thread only
    private final ExpertCounters counters = new ExpertCounters(); // every pass's figures, since the loop began
    private ExpertCounters apportioned = new ExpertCounters();    // of those, what calls have been given
    private final List<Sequence> running = new ArrayList<>();     // loop thread only, in admission order
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Submission> queue = new ArrayDeque<>(); // calls not fully admitted; guarded by lock
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();   // work for the loop thread; guarded by lock
    /** Request ids unique in the JVM: engines sharing a model share its expert source's per-request statistics. */
    private static final java.util.concurrent.atomic.AtomicLong REQUEST_IDS = new java.util.concurrent.atomic.AtomicLong();
    // Figures of all passes, written by the loop thread, read under the lock:
    private long prefillPasses;
    private long decodePasses;
    private long prefillPassNanos;
    private long decodePassNanos;
    private long promptTokensFed;
    private long decodeTokensFed;
    private int largestGroup;
    private volatile long reservedKvBytes;               // written by the loop thread only
    private long kvCapacity;                             // measured whenever the group is empty
    private boolean busy;                                // guarded by lock: not waiting for work
    private boolean closing;                             // guarded by lock
    private Thread thread;                               // guarded by lock; started by the first call

    BatchLoop(MoeModel model, Kernels kernels, Function<int[], String> decoder, int[] eosIds, GroupLimits limits,
              KvBudget kvBudget) {
        this.model = model;
        this.kernels = kernels;
        this.decoder = decoder;
        this.eosIds = eosIds.clone();
        this.limits = limits;
        this.kvBudget = kvBudget;
        this.workspace = model.newWorkspace(kernels);
    }

    GroupLimits limits() {
        return limits;
    }

    // ---- the callers' side ----

    /** Queues a call; refused once the loop is closing. */
    void submit(Submission s) {
        lock.lock();
        try {
            requireOpen();
            s.watchOwnCancel = busy; // an idle loop admits it at once; a busy one may not for a while
            queue.addLast(s);
            startThread();
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses at once a call with a sequence whose cache could not fit even with the group empty (the memory
     * free now plus what the running sequences hold), naming the request, instead of after other passes.
     */
    void checkFits(List<Sequence> sequences) {
        long best = kvBudget.capacity() + reservedKvBytes;
        for (int i = 0; i < sequences.size(); i++) {
            Sequence s = sequences.get(i);
            long need = kvBudget.worstCaseBytes(s.promptIds.length, s.params);
            if (need > best) {
                throw KvBudget.tooLarge(i, need, best);
            }
        }
    }

    /** Runs {@code work} on the loop thread between passes and returns its result (teacher forcing, say). */
    <T> T onLoop(Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        lock.lock();
        try {
            requireOpen();
            tasks.addLast(() -> {
                try {
                    result.complete(work.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            startThread();
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the engine");
        } catch (ExecutionException e) {
            throw Submission.rethrow(e.getCause());
        }
    }

    /** Calls waiting to be admitted in full (tests wait on it instead of sleeping). */
    int queuedCalls() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Takes a call that has not started out of the queue; false once the loop has begun it. */
    boolean withdraw(Submission s) {
        lock.lock();
        try {
            if (s.started) {
                return false;
            }
            queue.remove(s);
            return true;
        } finally {
            lock.unlock();
        }
    }

    void wake() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Finishes the calls that have started, refuses the others, and stops the thread. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closing = true;
            wake.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void requireOpen() {
        if (closing) {
            throw new EngineClosedException("the engine is closed: no new calls are taken");
        }
    }

    private void startThread() {
        if (thread == null) {
            thread = new Thread(this::run, "klotski-engine-loop");
            thread.setDaemon(true);
            thread.start();
        }
    }

    // ---- the loop thread ----

    private void run() {
        while (true) {
            Runnable task;
            lock.lock();
            try {
                busy = false;
                while (tasks.isEmpty() && running.isEmpty() && queue.isEmpty() && !closing) {
                    wake.awaitUninterruptibly();
                }
                busy = true;
                if (closing) {
                    refuseUnstarted();
                    if (tasks.isEmpty() && running.isEmpty() && queue.isEmpty()) {
                        busy = false;
                        return;
                    }
                }
                task = tasks.pollFirst();
            } finally {
                lock.unlock();
            }
            if (task != null) {
                task.run();
                continue;
            }
            try {
                admit();
                if (!running.isEmpty()) {
                    step();
                }
            } catch (Throwable t) { // the loop must outlive any one call: fail who was running, go on
                failRunning(t);
            }
        }
    }

    /** Under the lock, while closing: calls that have not started never will. */
    private void refuseUnstarted() {
        for (Iterator<Submission> it = queue.iterator(); it.hasNext(); ) {
            Submission s = it.next();
            if (!s.started) {
                it.remove();
                s.done.completeExceptionally(new EngineClosedException(
                        "the engine closed before this call started; nothing of it ran"));
            }
        }
    }

    /** Moves waiting sequences into the group, in arrival order, while it has room and their caches fit. */
    private void admit() {
        lock.lock();
        try {
            admitWhileRoom();
            for (Submission s : queue) {
                s.watchOwnCancel = true; // it had its turn and waits for room: its caller watches its cancel
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void admitWhileRoom() {
        while (!queue.isEmpty()) {
            Submission s = queue.peekFirst();
            if (s.abandoned) {
                queue.pollFirst();
                drop(s, new CancellationException("generate interrupted"));
                continue;
            }
            if (s.admitted == s.sequences.size()) {
                queue.pollFirst();
                continue;
            }
            if (running.size() >= limits.sequences()) {
                return;
            }
            Sequence seq = s.sequences.get(s.admitted);
            long need = kvBudget.worstCaseBytes(seq.promptIds.length, seq.params);
            if (running.isEmpty() && reservedKvBytes == 0) {
                kvCapacity = kvBudget.capacity();
            }
            if (reservedKvBytes + need > kvCapacity) {
                if (running.isEmpty()) { // it would not fit even alone: refuse the call, not wait forever
                    queue.pollFirst();
                    drop(s, KvBudget.tooLarge(s.admitted, need, kvCapacity));
                    continue;
                }
                return; // wait for running sequences to leave
            }
            try {
                admitOne(s, seq, need);
            } catch (RuntimeException | Error e) { // its cache could not be made: the call fails, not the loop
                queue.remove(s);
                drop(s, e);
            }
        }
    }

    private void admitOne(Submission s, Sequence seq, long needKv) {
        if (!s.started) {
            s.started = true;
            s.startNanos = System.nanoTime();
        }
        s.admitted++;
        seq.requestId = REQUEST_IDS.getAndIncrement();
        if (!seq.active()) { // max_new_tokens 0: nothing to feed
            s.prefilled++;
            retire(seq);
            return;
        }
        ModelConfig c = model.config();
        int expected = Math.min(c.contextLength(), seq.promptIds.length + Math.min(seq.params.maxNewTokens(), 256));
        seq.cache = new KvCache(kernels, c.layers(), c.kvDim(), c.contextLength(), expected);
        seq.reservedKvBytes = needKv;
        reservedKvBytes += needKv;
        running.add(seq);
    }

    /** One forward pass over the group, after dropping the calls that were cancelled. */
    private void step() {
        for (Submission s : callsRunning()) {
            if (s.abandoned || s.caller.isInterrupted()) { // the caller may not have woken up to say so yet
                drop(s, new CancellationException("generate interrupted"));
            } else if (s.cancelled.getAsBoolean()) {
                drop(s, new CancellationException("generation cancelled between forward passes"));
            }
        }
        if (running.isEmpty()) {
            return;
        }
        Pass pass = Pass.of(running, limits, counters);
        ForwardBatch batch = pass.batch();
        for (int t = 0; t < batch.size(); t++) {
            batch.caches()[batch.sequence()[t]].ensureCapacity(batch.positions()[t] + 1);
        }
        long start = System.nanoTime();
        float[] logits = model.forward(kernels, workspace, batch);
        long end = System.nanoTime();
        if (workspace.tracer().enabled()) {
            workspace.tracer().span("passes", "pass of " + batch.size() + " tokens, " + pass.sequences().size()
                    + " sequences", start, end);
        }
        count(pass, end - start);
        apportion(pass);
        pass.commitFed();
        ModelConfig config = model.config();
        int vocab = config.vocabSize();
        int[] rows = batch.logitRows();
        long now = System.nanoTime();
        java.util.Set<Submission> failed = null; // made only when a call fails: no garbage per pass
        for (int i = 0; i < rows.length; i++) {
            Sequence seq = pass.sequences().get(batch.sequence()[rows[i]]);
            if (failed != null && failed.contains(seq.owner)) {
                continue;
            }
            int bad = NonFiniteLogits.first(logits, i * vocab, vocab);
            if (bad >= 0) { // garbage in the weights: fail this call with the reason, never sample from NaN
                if (failed == null) {
                    failed = new java.util.HashSet<>();
                }
                failed.add(seq.owner);
                drop(seq.owner, new NonFiniteLogits(logits[i * vocab + bad], bad, seq.output.size()));
                continue;
            }
            boolean first = seq.output.isEmpty();
            seq.accept(logits, i * vocab, vocab, eosIds, config.contextLength(), decoder);
            if (first && ++seq.owner.prefilled == seq.owner.sequences.size()) {
                seq.owner.prefillDoneNanos = now;
            }
        }
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence seq = it.next();
            if (!seq.active()) {
                it.remove();
                retire(seq);
            }
        }
    }

    /**
     * Gives the expert figures since the last pass (this pass's, and loads of earlier ones that ended meanwhile)
     * to the calls in this pass by their share of its tokens, so calls' figures add up to the loop's; and notes
     * the group size each call took part in.
     */
    private void apportion(Pass pass) {
        ExpertCounters now = counters.snapshot();
        ExpertCounters delta = now.since(apportioned);
        apportioned = now;
        java.util.Map<Submission, Integer> tokens = new java.util.LinkedHashMap<>();
        int[] seq = pass.batch().sequence();
        for (int t = 0; t < seq.length; t++) {
            tokens.merge(pass.sequences().get(seq[t]).owner, 1, Integer::sum);
        }
        ExpertCounters given = new ExpertCounters();
        int left = tokens.size();
        for (java.util.Map.Entry<Submission, Integer> e : tokens.entrySet()) {
            e.getKey().largestGroup = Math.max(e.getKey().largestGroup, pass.sequences().size());
            ExpertCounters part = --left == 0 ? delta.since(given) : delta.share(e.getValue(), seq.length);
            e.getKey().experts.add(part);
            given.add(part);
        }
    }

    private void count(Pass pass, long nanos) {
        lock.lock();
        try {
            int prompt = pass.promptTokens();
            if (prompt > 0) {
                prefillPasses++;
                prefillPassNanos += nanos;
            } else {
                decodePasses++;
                decodePassNanos += nanos;
            }
            promptTokensFed += prompt;
            decodeTokensFed += pass.batch().size() - prompt;
            largestGroup = Math.max(largestGroup, pass.sequences().size());
        } finally {
            lock.unlock();
        }
    }

    /** The loop's figures since it started. */
    LoopFigures figures() {
        lock.lock();
        try {
            return new LoopFigures(prefillPasses, decodePasses, prefillPassNanos, decodePassNanos, promptTokensFed,
                    decodeTokensFed, largestGroup, counters.lookups(), counters.hits(),
                    counters.demandLoads() + counters.prefetchLoads(), counters.bytesRead(), counters.stallNanos());
        } finally {
            lock.unlock();
        }
    }

    /** The calls with sequences in the group, in admission order. */
    private Set<Submission> callsRunning() {
        Set<Submission> calls = new LinkedHashSet<>();
        for (Sequence s : running) {
            calls.add(s.owner);
        }
        return calls;
    }

    /** A sequence is out of the group: its cache and its KV reservation go, and prefetchers forget it. */
    private void leave(Sequence seq) {
        reservedKvBytes -= seq.reservedKvBytes;
        seq.reservedKvBytes = 0;
        seq.cache = null;
        model.experts().requestEnded(seq.requestId);
    }

    /** A sequence is done (already out of the group); the call ends with its last sequence. */
    private void retire(Sequence seq) {
        leave(seq);
        Submission s = seq.owner;
        if (++s.finished == s.sequences.size()) {
            s.done.complete(outcomes(s));
        }
    }

    private List<Outcome> outcomes(Submission s) {
        long end = System.nanoTime();
        long prefillDone = s.prefilled == s.sequences.size() && s.prefillDoneNanos > 0 ? s.prefillDoneNanos : s.startNanos;
        List<Outcome> out = new ArrayList<>(s.sequences.size());
        for (Sequence q : s.sequences) {
            String text = q.finish == StopReason.STOP_STRING ? q.text : decoder.apply(q.outputIds());
            out.add(new Outcome(q.promptIds.clone(), q.outputIds(), text, q.finish, List.copyOf(q.topLogprobs),
                    prefillDone - s.startNanos, end - prefillDone, Math.max(1, s.largestGroup), s.experts));
        }
        return out;
    }

    /** Ends a call early: its running sequences leave the group and its caller gets {@code why}. */
    private void drop(Submission s, Throwable why) {
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence seq = it.next();
            if (seq.owner == s) {
                it.remove();
                leave(seq);
            }
        }
        lock.lock();
        try {
            queue.remove(s);
        } finally {
            lock.unlock();
        }
        s.done.completeExceptionally(why);
    }

    /** A pass failed: every call in the group fails with its error; waiting calls go on. */
    private void failRunning(Throwable t) {
        for (Submission s : callsRunning()) {
            drop(s, t);
        }
    }
}
