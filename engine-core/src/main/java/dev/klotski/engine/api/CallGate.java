package dev.klotski.engine.api;

import java.util.ArrayDeque;

/**
 * Admits one engine call at a time, in arrival order (a fair lock), where a waiting caller gives up as soon as
 * it is interrupted or its {@link Cancellation} is requested: a killed Spark task must not queue behind the
 * engine for minutes only to throw its work away.
 */
final class CallGate {
    /** How often a waiter looks at its Cancellation; interrupts wake it at once. */
    private static final long POLL_MILLIS = 20;

    private final ArrayDeque<Thread> waiting = new ArrayDeque<>();
    private Thread holder;

    /** Waits for this caller's turn; throws {@link GenerationCancelledException} if it gives up first. */
    void enter(Cancellation cancel) {
        Thread me = Thread.currentThread();
        synchronized (this) {
            waiting.addLast(me);
            try {
                while (holder != null || waiting.peekFirst() != me) {
                    if (cancel.requested()) {
                        throw new GenerationCancelledException("generate cancelled while waiting for the engine");
                    }
                    wait(POLL_MILLIS);
                }
                holder = me;
            } catch (InterruptedException e) {
                me.interrupt(); // keep the status for the caller's own handling
                throw new GenerationCancelledException("generate interrupted while waiting for the engine");
            } finally {
                waiting.remove(me);
                notifyAll(); // whoever is at the head now may go, or look again
            }
        }
    }

    /** As {@link #enter} but only returns once admitted (used by close, which must happen whatever). */
    void enterUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                enter(Cancellation.NONE);
                break;
            } catch (GenerationCancelledException e) {
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void exit() {
        if (holder != Thread.currentThread()) {
            throw new IllegalStateException("exit by a thread that did not enter");
        }
        holder = null;
        notifyAll();
    }
}
