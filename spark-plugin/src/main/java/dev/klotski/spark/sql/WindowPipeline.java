package dev.klotski.spark.sql;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.GenerationCancelledException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;

/**
 * One task's windows of rows (input rows of the exec, or prompts of the DataSource) on their way through the
 * engine, oldest first. With overlap the next window is
 * submitted while the task waits for the current one, on a helper thread that carries the task's context, so the
 * engine's group takes the next rows as the current ones finish instead of draining at every window's end. At
 * most two windows are held; rows come out in input order either way. Without overlap a window runs on the task
 * thread when it is submitted, as a plain loop would.
 */
public final class WindowPipeline<R> {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService HELPERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "klotski-window-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** How long a finished or failed task waits for its other window to stop (it stops between passes). */
    private static final long ABANDON_WAIT_SECONDS = 60;

    /** What generates a window: its inputs are read on the task thread, then the work runs on any thread. */
    public interface WindowWork<R> {
        /** Reads what the generation needs out of the rows, on the task thread (rows may share buffers). */
        Generation prepare(List<R> rows, long firstRow);
    }

    /** A window's generation, ready to run: each output per row, values[row][output]. */
    public interface Generation {
        Object[][] run(Cancellation cancel);
    }

    /** A window's input rows and, once generated, each output per row. */
    private record Window<R>(List<R> rows, Future<Object[][]> values) {
    }

    /** A generated window: its rows and each output per row, values[row][output]. */
    public record Generated<R>(List<R> rows, Object[][] values) {
    }

    private final WindowWork<R> work;
    private final boolean overlap;
    private final TaskContext task; // null outside a Spark task
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final Cancellation cancel;
    private final ArrayDeque<Window<R>> inFlight = new ArrayDeque<>();
    private long rowsSubmitted;

    public WindowPipeline(WindowWork<R> work, boolean overlap, TaskContext task) {
        this.work = work;
        this.overlap = overlap;
        this.task = task;
        this.cancel = () -> abandoned.get() || (task != null && task.isInterrupted());
    }

    public boolean wantsMore() {
        return inFlight.size() < (overlap ? 2 : 1);
    }

    public boolean isEmpty() {
        return inFlight.isEmpty();
    }

    /** Starts generating a window (its arguments are read here, on the task thread). */
    public void submit(List<R> rows) {
        Generation generation = work.prepare(rows, rowsSubmitted);
        rowsSubmitted += rows.size();
        if (!overlap) {
            inFlight.add(new Window<>(rows, CompletableFuture.completedFuture(generation.run(cancel))));
            return;
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader(); // the engine factory is found by it
        inFlight.add(new Window<>(rows, HELPERS.submit(() -> {
            Thread self = Thread.currentThread();
            ClassLoader own = self.getContextClassLoader();
            self.setContextClassLoader(loader);
            try {
                return task == null ? generation.run(cancel)
                        : TaskContext.withTaskContext(task, () -> generation.run(cancel));
            } finally {
                self.setContextClassLoader(own);
            }
        })));
    }

    /** The oldest window, once generated; a window's failure is thrown here, as the task's. */
    public Generated<R> next() {
        Window<R> w = inFlight.poll();
        try {
            return new Generated<>(w.rows(), w.values().get());
        } catch (InterruptedException e) {
            abandoned.set(true);
            Thread.currentThread().interrupt();
            throw new GenerationCancelledException("moe_generate: the task was interrupted while its rows were "
                    + "generated");
        } catch (ExecutionException e) {
            abandoned.set(true); // the task fails: its other window need not finish
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("moe_generate: " + cause, cause);
        }
    }

    /**
     * At the task's end (finished early, failed or killed): windows still generating stop at their next pass, and
     * this waits for them, since they write into buffers of the task's allocator, which closes next.
     */
    public void abandon() {
        abandoned.set(true);
        for (Window<R> w : inFlight) {
            try {
                w.values().get(ABANDON_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
                // stopped, failed or stuck: the task is over either way, and its own error was already reported
            }
        }
        inFlight.clear();
    }
}
