package dev.klotski.spark.sql;

import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.PromptTooLongException;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.spark.codec.OutputCodec;
import dev.klotski.spark.codec.PromptBatch;
import dev.klotski.spark.codec.RequestCodec;
import dev.klotski.spark.codec.ResultBatch;
import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.plugin.BatchEngine;
import dev.klotski.spark.plugin.ExecutorEngines;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.vectorized.ArrowColumnVector;

/**
 * One batch of prompts through the executor's engine: prompts -> Arrow -> one generate call -> Arrow ->
 * Spark values (UTF8String or struct row). Shared by the exec and the klotski data source.
 */
public final class BatchGeneration {
    private BatchGeneration() {
    }

    /** Values for each prompt, in order; {@code ids} may be null (no id column). */
    public static Object[] generate(List<byte[]> prompts, List<byte[]> ids, GenerateOptions opts,
                                    BufferAllocator allocator, long firstRow) {
        return generate(prompts, ids, opts, allocator, firstRow, null);
    }

    static Object[] generate(List<byte[]> prompts, List<byte[]> ids, GenerateOptions opts, BufferAllocator allocator,
                             long firstRow, ExecMetrics metrics) {
        try (PromptBatch batch = new PromptBatch(allocator, prompts.size());
             ResultBatch results = new ResultBatch(allocator)) {
            for (int r = 0; r < prompts.size(); r++) {
                byte[] p = prompts.get(r);
                byte[] id = ids == null ? null : ids.get(r);
                batch.add(p, RowSeed.of(opts.seed(), p == null ? new byte[0] : p, id));
            }
            RequestCodec.Requests req = RequestCodec.encode(batch, opts);
            List<GenerationResult> out = req.requests().isEmpty() ? List.of()
                    : call(req, batch, opts, firstRow, metrics);
            results.fill(batch, req.rowOfRequest(), out);
            ArrowColumnVector[] cols = results.columns();
            Object[] values = new Object[prompts.size()];
            for (int r = 0; r < values.length; r++) {
                values[r] = OutputCodec.value(cols, r, opts.structOutput());
            }
            return values;
        }
    }

    private static List<GenerationResult> call(RequestCodec.Requests req, PromptBatch batch, GenerateOptions opts,
                                               long firstRow, ExecMetrics metrics) {
        BatchEngine engine = ExecutorEngines.get(opts.engine());
        long t0 = System.nanoTime();
        List<GenerationResult> out;
        try {
            out = engine.generate(req.requests());
        } catch (PromptTooLongException e) {
            throw rowError(e, req.rowOfRequest()[e.requestIndex()], batch, firstRow);
        }
        if (metrics != null) {
            record(metrics, out, System.nanoTime() - t0);
        }
        return out;
    }

    private static void record(ExecMetrics metrics, List<GenerationResult> out, long nanos) {
        metrics.generationTime().add(nanos);
        metrics.engineCalls().add(1);
        for (GenerationResult r : out) {
            metrics.promptTokens().add(r.stats().promptTokens());
            metrics.generatedTokens().add(r.stats().generatedTokens());
        }
        // Expert counts are the call's own (the engine serves one call at a time), so concurrent tasks on the
        // executor do not blur each other's figure.
        if (!out.isEmpty()) {
            metrics.expertLookups().add(out.get(0).stats().expertLookups());
            metrics.expertHits().add(out.get(0).stats().expertHits());
        }
        long lookups = metrics.expertLookups().value(); // this task's totals: each task updates its own copy
        metrics.expertHitRate().set(lookups == 0 ? 100.0 : 100.0 * metrics.expertHits().value() / lookups);
    }

    /** Names the row (position in the partition, partition, a prompt preview) so a user can find it. */
    private static IllegalArgumentException rowError(PromptTooLongException e, int row, PromptBatch batch,
                                                     long firstRow) {
        TaskContext ctx = TaskContext.get();
        String where = "row " + (firstRow + row) + (ctx == null ? "" : " of partition " + ctx.partitionId());
        String text = new String(batch.prompts().get(row), StandardCharsets.UTF_8);
        String preview = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return new IllegalArgumentException("moe_generate: " + where + " (prompt \"" + preview + "\"): "
                + e.getMessage(), e);
    }
}
