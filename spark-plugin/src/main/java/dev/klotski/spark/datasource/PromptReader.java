package dev.klotski.spark.datasource;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.sql.BatchGeneration;
import dev.klotski.spark.sql.WindowPipeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Reads batch.rows prompts of a file at a time and generates each window in one engine call; with batch.overlap
 * the next window is read and submitted while this one is generated (as the exec does, see {@link
 * WindowPipeline}), so the engine's group refills as rows finish. Rows come out in file order.
 */
final class PromptReader implements PartitionReader<InternalRow> {
    private final PromptRecords records;
    private final GenerateOptions opts;
    private final BufferAllocator allocator = new RootAllocator();
    private final WindowPipeline<PromptRecords.Prompt> windows;
    private List<PromptRecords.Prompt> batch = List.of();
    private Object[][] values;
    private int next;
    private boolean filesDone;
    private InternalRow current;

    PromptReader(PromptRecords records, GenerateOptions opts) {
        this.records = records;
        this.opts = opts;
        this.windows = new WindowPipeline<>(this::prepare, opts.overlapWindows(), TaskContext.get());
    }

    @Override
    public boolean next() throws IOException {
        if (next >= batch.size() && !readBatch()) {
            return false;
        }
        int r = next++;
        PromptRecords.Prompt p = batch.get(r);
        current = new GenericInternalRow(new Object[] {utf8(p.id()), utf8(p.prompt()), values[r][0]});
        return true;
    }

    @Override
    public InternalRow get() {
        return current;
    }

    private boolean readBatch() throws IOException {
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            ctx.killTaskIfInterrupted(); // a killed task starts no further window
        }
        while (windows.wantsMore() && !filesDone) {
            List<PromptRecords.Prompt> window = readPrompts();
            if (window.isEmpty()) {
                filesDone = true;
            } else {
                windows.submit(window);
            }
        }
        if (windows.isEmpty()) {
            return false;
        }
        WindowPipeline.Generated<PromptRecords.Prompt> w = windows.next();
        batch = w.rows();
        values = w.values();
        next = 0;
        return true;
    }

    private List<PromptRecords.Prompt> readPrompts() throws IOException {
        List<PromptRecords.Prompt> in = new ArrayList<>();
        PromptRecords.Prompt p;
        while (in.size() < opts.batchRows() && (p = records.next()) != null) {
            in.add(p);
        }
        return in;
    }

    /** A window's prompts and ids as bytes (read here, on the task thread), then its generation. */
    private WindowPipeline.Generation prepare(List<PromptRecords.Prompt> in, long firstRow) {
        List<byte[]> prompts = new ArrayList<>(in.size());
        List<byte[]> ids = opts.hasIdColumn() ? new ArrayList<>(in.size()) : null;
        for (PromptRecords.Prompt r : in) {
            prompts.add(r.prompt() == null ? null : r.prompt().getBytes(StandardCharsets.UTF_8));
            if (ids != null) {
                ids.add(r.id() == null ? null : r.id().getBytes(StandardCharsets.UTF_8));
            }
        }
        return (Cancellation cancel) -> {
            Object[] out = BatchGeneration.generate(prompts, ids, opts, allocator, firstRow, cancel);
            Object[][] v = new Object[out.length][1];
            for (int r = 0; r < out.length; r++) {
                v[r][0] = out[r];
            }
            return v;
        };
    }

    private static UTF8String utf8(String s) {
        return s == null ? null : UTF8String.fromString(s);
    }

    @Override
    public void close() throws IOException {
        try {
            windows.abandon(); // a window still generating writes into the allocator's buffers: it stops first
        } finally {
            try {
                records.close();
            } finally {
                allocator.close();
            }
        }
    }
}
