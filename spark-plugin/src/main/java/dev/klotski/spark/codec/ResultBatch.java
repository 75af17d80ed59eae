package dev.klotski.spark.codec;

import dev.klotski.engine.api.GenerationResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.spark.sql.vectorized.ArrowColumnVector;

/**
 * Engine results on their way back to Spark, one Arrow vector per output field, one slot per batch row.
 * A null prompt leaves the row null; an empty prompt gives empty text and zero tokens.
 */
public final class ResultBatch implements AutoCloseable {
    private final VarCharVector text;
    private final IntVector promptTokens;
    private final IntVector generatedTokens;
    private final VarCharVector finishReason;
    private final BigIntVector latencyMs;

    public ResultBatch(BufferAllocator allocator) {
        text = new VarCharVector("text", allocator);
        promptTokens = new IntVector("prompt_tokens", allocator);
        generatedTokens = new IntVector("generated_tokens", allocator);
        finishReason = new VarCharVector("finish_reason", allocator);
        latencyMs = new BigIntVector("latency_ms", allocator);
    }

    /** Fills all rows of the batch from its prompts and the engine results of its requests. */
    public void fill(PromptBatch prompts, int[] rowOfRequest, List<GenerationResult> results) {
        int n = prompts.rows();
        for (ValueVector v : vectors()) {
            v.clear();
        }
        text.allocateNew(n);
        promptTokens.allocateNew(n);
        generatedTokens.allocateNew(n);
        finishReason.allocateNew(n);
        latencyMs.allocateNew(n);
        for (int r = 0; r < n; r++) {
            if (prompts.prompts().isNull(r)) {
                setNull(r);
            } else {
                setEmpty(r);
            }
        }
        for (int i = 0; i < rowOfRequest.length; i++) {
            set(rowOfRequest[i], results.get(i));
        }
        for (ValueVector v : vectors()) {
            v.setValueCount(n);
        }
    }

    private void set(int r, GenerationResult res) {
        text.setSafe(r, res.text().getBytes(StandardCharsets.UTF_8));
        promptTokens.setSafe(r, res.stats().promptTokens());
        generatedTokens.setSafe(r, res.stats().generatedTokens());
        finishReason.setSafe(r, res.finishReason().label().getBytes(StandardCharsets.UTF_8));
        latencyMs.setSafe(r, Math.round(res.stats().latencySeconds() * 1000));
    }

    private void setEmpty(int r) {
        text.setSafe(r, new byte[0]);
        promptTokens.setSafe(r, 0);
        generatedTokens.setSafe(r, 0);
        finishReason.setNull(r);
        latencyMs.setSafe(r, 0);
    }

    private void setNull(int r) {
        for (ValueVector v : vectors()) {
            if (v instanceof VarCharVector vc) {
                vc.setNull(r);
            } else if (v instanceof IntVector iv) {
                iv.setNull(r);
            } else if (v instanceof BigIntVector bv) {
                bv.setNull(r);
            }
        }
    }

    /** Spark's views of the vectors, in output-struct order. */
    public ArrowColumnVector[] columns() {
        ValueVector[] vs = vectors();
        ArrowColumnVector[] out = new ArrowColumnVector[vs.length];
        for (int i = 0; i < vs.length; i++) {
            out[i] = new ArrowColumnVector(vs[i]);
        }
        return out;
    }

    private ValueVector[] vectors() {
        return new ValueVector[] {text, promptTokens, generatedTokens, finishReason, latencyMs};
    }

    @Override
    public void close() {
        for (ValueVector v : vectors()) {
            v.close();
        }
    }
}
