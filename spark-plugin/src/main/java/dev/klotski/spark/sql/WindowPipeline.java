package dev.klotski.spark.sql;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.GenerationCancelledException;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One task's windows of rows on their way through the engine, oldest first. With overlap the next window is
 * submitted while the task waits for the current one, on a helper thread that carries the task's context, so the
 * engine's group takes the next rows as the current ones finish instead of draining at every window's end. At
 * most two windows are held; rows come out in input order either way. Without overlap a window runs on the task
 * thread when it is submitted, as a plain loop would.
 */
final class WindowPipeline {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService HELPERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "klotski-window-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** How long a finished or failed task waits for its other window to stop (it stops between passes). */
    private static final long ABANDON_WAIT_SECONDS = 60;

    /** A window's input rows and, once generated, each call's output per row. */
    private record Window(List<InternalRow> rows, Future<Object[][]> values) {
    }

    /** A generated window: its rows and each call's output per row, values[row][call]. */
    record Generated(List<InternalRow> rows, Object[][] values) {
    }

    private final List<CallRunner> runners;
    private final BufferAllocator allocator;
    private final boolean overlap;
    private final TaskContext task; // null outside a Spark task
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final Cancellation cancel;
    private final ArrayDeque<Window> inFlight = new ArrayDeque<>();
    private long rowsSubmitted;

    WindowPipeline(List<CallRunner> runners, BufferAllocator allocator, boolean overlap, TaskContext task) {
        this.runners = runners;
        this.allocator = allocator;
        this.overlap = overlap;
        this.task = task;
        this.cancel = () -> abandoned.get() || (task != null && task.isInterrupted());
    }

    boolean wantsMore() {
        return inFlight.size() < (overlap ? 2 : 1);
    }

    boolean isEmpty() {
        return inFlight.isEmpty();
    }

    /** Starts generating a window (its arguments are read here, on the task thread). */
    void submit(List<InternalRow> rows) {
        List<CallRunner.Arguments> args = new ArrayList<>(runners.size());
        for (CallRunner r : runners) {
            args.add(r.arguments(rows));
        }
        long firstRow = rowsSubmitted;
        rowsSubmitted += rows.size();
        if (!overlap) {
            inFlight.add(new Window(rows, CompletableFuture.completedFuture(generate(args, rows.size(), firstRow))));
            return;
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader(); // the engine factory is found by it
        inFlight.add(new Window(rows, HELPERS.submit(() -> {
            Thread self = Thread.currentThread();
            ClassLoader own = self.getContextClassLoader();
            self.setContextClassLoader(loader);
            try {
                return task == null ? generate(args, rows.size(), firstRow)
                        : TaskContext.withTaskContext(task, () -> generate(args, rows.size(), firstRow));
            } finally {
                self.setContextClassLoader(own);
            }
        })));
    }

    /** The oldest window, once generated; a window's failure is thrown here, as the task's. */
    Generated next() {
        Window w = inFlight.poll();
        try {
            return new Generated(w.rows(), w.values().get());
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
    void abandon() {
        abandoned.set(true);
        for (Window w : inFlight) {
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

    private Object[][] generate(List<CallRunner.Arguments> args, int rows, long firstRow) {
        Object[][] values = new Object[rows][runners.size()];
        for (int c = 0; c < runners.size(); c++) {
            runners.get(c).generate(args.get(c), firstRow, allocator, cancel, values, c);
        }
        return values;
    }
}
