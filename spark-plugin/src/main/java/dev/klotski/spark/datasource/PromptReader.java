package dev.klotski.spark.datasource;

import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.sql.BatchGeneration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.unsafe.types.UTF8String;

/** Reads batch.rows prompts of a file at a time, generates them in one engine call, emits them in file order. */
final class PromptReader implements PartitionReader<InternalRow> {
    private final PromptRecords records;
    private final GenerateOptions opts;
    private final BufferAllocator allocator = new RootAllocator();
    private final List<InternalRow> batch = new ArrayList<>();
    private int next;
    private long rowsRead;
    private InternalRow current;

    PromptReader(PromptRecords records, GenerateOptions opts) {
        this.records = records;
        this.opts = opts;
    }

    @Override
    public boolean next() throws IOException {
        if (next >= batch.size() && !readBatch()) {
            return false;
        }
        current = batch.get(next++);
        return true;
    }

    @Override
    public InternalRow get() {
        return current;
    }

    private boolean readBatch() throws IOException {
        batch.clear();
        next = 0;
        List<PromptRecords.Prompt> in = new ArrayList<>();
        PromptRecords.Prompt p;
        while (in.size() < opts.batchRows() && (p = records.next()) != null) {
            in.add(p);
        }
        if (in.isEmpty()) {
            return false;
        }
        List<byte[]> prompts = new ArrayList<>(in.size());
        List<byte[]> ids = opts.hasIdColumn() ? new ArrayList<>(in.size()) : null;
        for (PromptRecords.Prompt r : in) {
            prompts.add(r.prompt() == null ? null : r.prompt().getBytes(StandardCharsets.UTF_8));
            if (ids != null) {
                ids.add(r.id() == null ? null : r.id().getBytes(StandardCharsets.UTF_8));
            }
        }
        Object[] out = BatchGeneration.generate(prompts, ids, opts, allocator, rowsRead);
        for (int i = 0; i < in.size(); i++) {
            batch.add(new GenericInternalRow(new Object[] {utf8(in.get(i).id()), utf8(in.get(i).prompt()), out[i]}));
        }
        rowsRead += in.size();
        return true;
    }

    private static UTF8String utf8(String s) {
        return s == null ? null : UTF8String.fromString(s);
    }

    @Override
    public void close() throws IOException {
        try {
            records.close();
        } finally {
            allocator.close();
        }
    }
}
