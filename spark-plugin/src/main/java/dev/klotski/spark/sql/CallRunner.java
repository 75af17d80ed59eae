package dev.klotski.spark.sql;

import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.generate.GenerationResult;
import dev.klotski.engine.generate.PromptTooLongException;
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
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;

/** Runs one moe_generate call over one batch of rows: rows -> Arrow -> one engine call -> Arrow -> values. */
final class CallRunner {
    private final GenerateOptions opts;
    private final UnsafeProjection args;
    private final DataType idType;
    private final ExecMetrics metrics;

    CallRunner(MoeGenerate call, List<Attribute> childOutput, ExecMetrics metrics) {
        this.opts = call.options();
        this.args = UnsafeProjection.create(call.children(), Scala.seq(childOutput));
        this.idType = call.children().size() > 1 ? call.children().apply(1).dataType() : null;
        this.metrics = metrics;
    }

    /** Writes this call's output for each row into {@code values[row][column]}. */
    void run(List<InternalRow> rows, long firstRow, BufferAllocator allocator, Object[][] values, int column) {
        try (PromptBatch prompts = new PromptBatch(allocator, rows.size());
             ResultBatch results = new ResultBatch(allocator)) {
            for (InternalRow row : rows) {
                UnsafeRow a = args.apply(row);
                byte[] prompt = PartitionGenerator.utf8(a, 0);
                byte[] id = idType == null ? null : PartitionGenerator.idBytes(a, 1, idType);
                prompts.add(prompt, PartitionGenerator.seed(opts.seed(), prompt, id));
            }
            RequestCodec.Requests req = RequestCodec.encode(prompts, opts);
            List<GenerationResult> out = req.requests().isEmpty() ? List.of() : generate(req, prompts, firstRow);
            results.fill(prompts, req.rowOfRequest(), out);
            ArrowColumnVector[] cols = results.columns();
            for (int r = 0; r < rows.size(); r++) {
                values[r][column] = OutputCodec.value(cols, r, opts.structOutput());
            }
        }
    }

    private List<GenerationResult> generate(RequestCodec.Requests req, PromptBatch prompts, long firstRow) {
        BatchEngine engine = ExecutorEngines.get(opts.engine());
        EngineMetrics before = engine.metrics();
        long t0 = System.nanoTime();
        List<GenerationResult> out;
        try {
            out = engine.generate(req.requests());
        } catch (PromptTooLongException e) {
            throw rowError(e, req.rowOfRequest()[e.requestIndex()], prompts, firstRow);
        }
        metrics.generationTime().add(System.nanoTime() - t0);
        EngineMetrics after = engine.metrics();
        metrics.engineCalls().add(1);
        for (GenerationResult r : out) {
            metrics.promptTokens().add(r.stats().promptTokens());
            metrics.generatedTokens().add(r.stats().generatedTokens());
        }
        long lookups = after.expertLookups() - before.expertLookups();
        long hits = after.expertHits() - before.expertHits();
        metrics.expertHitRate().set(lookups == 0 ? 100.0 : 100.0 * hits / lookups);
        return out;
    }

    /** Names the row (partition, position, a prompt preview) so a user can find it in the input. */
    private static IllegalArgumentException rowError(PromptTooLongException e, int row, PromptBatch prompts,
                                                     long firstRow) {
        TaskContext ctx = TaskContext.get();
        String where = "row " + (firstRow + row) + (ctx == null ? "" : " of partition " + ctx.partitionId());
        String text = new String(prompts.prompts().get(row), StandardCharsets.UTF_8);
        String preview = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return new IllegalArgumentException("moe_generate: " + where + " (prompt \"" + preview + "\"): "
                + e.getMessage(), e);
    }
}
