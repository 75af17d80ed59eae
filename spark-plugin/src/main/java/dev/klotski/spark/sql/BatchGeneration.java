package dev.klotski.spark.sql;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.PlannedGroup;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.spark.codec.OutputCodec;
import dev.klotski.spark.codec.PromptBatch;
import dev.klotski.spark.codec.RequestCodec;
import dev.klotski.spark.codec.ResultBatch;
import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.plugin.BatchEngine;
import dev.klotski.spark.plugin.ExecutorEngines;
import dev.klotski.spark.plugin.TaskSlots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.vectorized.ArrowColumnVector;

/**
 * One batch of prompts through the executor's engine: prompts -> Arrow -> one generate call -> Arrow ->
 * Spark values (UTF8String or struct row). Shared by the exec and the klotski data source. A bad row (not
 * UTF-8, too long, or failed in the engine) fails the task naming it, or under on_error=null gets a null
 * output with its reason while the rest of the batch is generated as usual.
 */
public final class BatchGeneration {
    private BatchGeneration() {
    }

    /**
     * Values for each prompt, in order; {@code ids} may be null (no id column). Stops when {@code cancel} asks
     * (from any thread: the DataSource's overlapping windows).
     */
    public static Object[] generate(List<byte[]> prompts, List<byte[]> ids, GenerateOptions opts,
                                    BufferAllocator allocator, long firstRow, Cancellation cancel) {
        return generate(prompts, ids, opts, allocator, firstRow, null, cancel);
    }

    /** As above, with the exec's metrics, stopping when {@code cancel} asks (the task's, from any thread). */
    static Object[] generate(List<byte[]> prompts, List<byte[]> ids, GenerateOptions opts, BufferAllocator allocator,
                             long firstRow, ExecMetrics metrics, Cancellation cancel) {
        try (PromptBatch batch = new PromptBatch(allocator, prompts.size());
             ResultBatch results = new ResultBatch(allocator, prompts.size())) {
            for (int r = 0; r < prompts.size(); r++) {
                byte[] p = prompts.get(r);
                byte[] id = ids == null ? null : ids.get(r);
                batch.add(p, RowSeed.of(opts.seed(), p == null ? new byte[0] : p, id));
            }
            RequestCodec.Requests req = RequestCodec.encode(batch, opts);
            Rows rows = new Rows(batch, opts, firstRow);
            for (int r = 0; r < batch.rows(); r++) {
                if (req.invalid()[r] != null) {
                    rows.checkKeepable(r, RequestOutcome.Failure.INVALID_PROMPT, req.invalid()[r]); // before any work
                }
            }
            RequestOutcome[] outcomeOfRow = new RequestOutcome[batch.rows()];
            List<RequestOutcome> out = req.requests().isEmpty() ? List.of() : call(req, opts, metrics, cancel);
            for (int i = 0; i < out.size(); i++) {
                outcomeOfRow[req.rowOfRequest()[i]] = out.get(i);
            }
            for (int r = 0; r < batch.rows(); r++) {
                if (req.invalid()[r] != null) {
                    results.failed(r, RequestOutcome.Failure.INVALID_PROMPT.label() + ": " + req.invalid()[r]);
                } else if (outcomeOfRow[r] instanceof RequestOutcome.Generated g) {
                    results.generated(r, g.result());
                } else if (outcomeOfRow[r] instanceof RequestOutcome.Failed f) {
                    rows.checkKeepable(r, f.failure(), f.message());
                    results.failed(r, f.failure().label() + ": " + f.message());
                } else if (!batch.prompts().isNull(r)) {
                    results.empty(r);
                }
            }
            ArrowColumnVector[] cols = results.columns();
            Object[] values = new Object[prompts.size()];
            for (int r = 0; r < values.length; r++) {
                values[r] = OutputCodec.value(cols, r, opts.structOutput());
            }
            return values;
        }
    }

    /**
     * The job as the first call on an executor sees it, for the planner: batch.rows rows from each task slot of the
     * executor at once (they share the engine's group), prompts like this batch's, max_new_tokens new tokens.
     */
    private static PlannedGroup.Hint planHint(RequestCodec.Requests req, GenerateOptions opts) {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        int slots = env == null ? Runtime.getRuntime().availableProcessors() : TaskSlots.of(env.conf());
        return PlannedGroup.Hint.fromPrompts(opts.batchRows() * Math.max(1, slots),
                req.requests().stream().map(GenerationRequest::text).toList(), opts.maxNewTokens());
    }

    private static List<RequestOutcome> call(RequestCodec.Requests req, GenerateOptions opts, ExecMetrics metrics,
                                             Cancellation cancel) {
        BatchEngine engine = ExecutorEngines.get(opts.engine(), () -> planHint(req, opts));
        long t0 = System.nanoTime();
        List<RequestOutcome> out = engine.generate(req.requests(), cancel);
        if (metrics != null) {
            synchronized (metrics) { // a task's two overlapping windows may end at once
                record(metrics, out, System.nanoTime() - t0);
                metrics.groupBatches().set(engine.group().batches());
                metrics.batchSize().set(engine.group().batchSize());
            }
        }
        return out;
    }

    private static void record(ExecMetrics metrics, List<RequestOutcome> outcomes, long nanos) {
        List<GenerationResult> out = new ArrayList<>(outcomes.size());
        for (RequestOutcome o : outcomes) {
            if (o instanceof RequestOutcome.Generated g) {
                out.add(g.result());
            }
        }
        metrics.generationTime().add(nanos);
        metrics.engineCalls().add(1);
        for (GenerationResult r : out) {
            metrics.promptTokens().add(r.stats().promptTokens());
            metrics.generatedTokens().add(r.stats().generatedTokens());
        }
        // Expert counts are the call's share (by tokens) of the passes it took part in: concurrent tasks on the
        // executor share the engine's group, and their figures add up to the engine's.
        if (!out.isEmpty()) {
            metrics.groupRows().set(Math.max(metrics.groupRows().value(), out.get(0).stats().batchSize()));
            metrics.expertLookups().add(out.get(0).stats().expertLookups());
            metrics.expertHits().add(out.get(0).stats().expertHits());
            metrics.expertLoads().add(out.get(0).stats().expertLoads());
            metrics.expertBytesRead().add(out.get(0).stats().expertBytesRead());
            metrics.expertStallTime().add(out.get(0).stats().expertStallNanos());
        }
        long lookups = metrics.expertLookups().value(); // this task's totals: each task updates its own copy
        metrics.expertHitRate().set(lookups == 0 ? 100.0 : 100.0 * metrics.expertHits().value() / lookups);
        long time = metrics.generationTime().value();
        metrics.bubblePercent().set(time == 0 ? 0.0 : 100.0 * metrics.expertStallTime().value() / time);
    }

    /** Where the batch's rows are, for errors that must name a row so a user can find it. */
    private record Rows(PromptBatch batch, GenerateOptions opts, long firstRow) {

        /** Returns when the row may be kept with a null output (on_error=null); otherwise fails the task naming it. */
        void checkKeepable(int row, RequestOutcome.Failure failure, String reason) {
            if (opts.nullOnError()) {
                return;
            }
            TaskContext ctx = TaskContext.get();
            String where = "row " + (firstRow + row) + (ctx == null ? "" : " of partition " + ctx.partitionId());
            String text = new String(batch.prompts().get(row), StandardCharsets.UTF_8);
            String preview = text.length() > 60 ? text.substring(0, 60) + "..." : text;
            throw new IllegalArgumentException("moe_generate: " + where + " (prompt \"" + preview + "\"): "
                    + reason + " [" + failure.label() + "; set on_error=null to give such rows a null output and "
                    + "keep the job going]");
        }
    }
}
