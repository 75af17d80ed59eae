package dev.klotski.engine.generate;

import dev.klotski.engine.model.layers.ExpertCounters;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * One generate call inside the batch loop: its sequences in request order, how far the loop got with them, and
 * the future its caller waits on. Fields without a note are the loop thread's alone.
 */
final class Submission {
    /** How often a caller whose call has not started looks at its cancellation; interrupts wake it at once. */
    private static final long POLL_MILLIS = 20;

    final List<Sequence> sequences;
    final BooleanSupplier cancelled;          // polled by the loop before every pass that feeds this call
    final Thread caller = Thread.currentThread(); // an interrupt of it stops the call at the next pass
    final CompletableFuture<List<Outcome>> done = new CompletableFuture<>();
    volatile boolean started;                 // a sequence was admitted: from now on the loop polls `cancelled`
    volatile boolean watchOwnCancel;          // the loop is busy elsewhere: the waiting caller polls `cancelled`
    volatile boolean abandoned;               // the caller was interrupted: the loop drops the call
    int admitted;                             // sequences admitted so far
    int prefilled;                            // sequences with their first token (or none to make)
    int finished;                             // sequences done
    int largestGroup;                         // most sequences in one pass this call took part in
    long startNanos;                          // first admission
    long prefillDoneNanos;                    // the last sequence got its first token
    final ExpertCounters experts = new ExpertCounters(); // its share of the passes it took part in, by tokens

    Submission(List<Sequence> sequences, BooleanSupplier cancelled) {
        this.sequences = sequences;
        this.cancelled = cancelled;
        for (Sequence s : sequences) {
            s.owner = this;
        }
    }

    /**
     * Waits for the loop to finish the call. While the call has not started and the loop is busy with others, the
     * caller itself looks at its cancellation (the loop does from the first admission on). On an interrupt the
     * call is abandoned: the loop drops it before its next pass, and the caller waits for that, so the engine is
     * free when this throws.
     */
    List<Outcome> await(BatchLoop loop) {
        while (true) {
            try {
                return done.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!started && watchOwnCancel && cancelled.getAsBoolean() && loop.withdraw(this)) {
                    throw new CancellationException("generate cancelled while waiting for the engine");
                }
            } catch (InterruptedException e) {
                abandoned = true;
                loop.wake();
                waitUninterruptibly();
                Thread.currentThread().interrupt(); // the caller's own handling sees it
                throw new CancellationException("generate interrupted");
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }
    }

    private void waitUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                done.get();
                break;
            } catch (InterruptedException again) {
                interrupted = true;
            } catch (ExecutionException | CancellationException ignored) {
                break; // dropped or failed: either way it is over
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The loop's failure, thrown in the caller's thread as the same exception (so callers can tell kinds apart). */
    static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("generation failed: " + cause, cause);
    }
}
