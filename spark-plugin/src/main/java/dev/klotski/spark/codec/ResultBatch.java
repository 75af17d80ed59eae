package dev.klotski.spark.codec;

import dev.klotski.engine.api.GenerationResult;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.spark.sql.vectorized.ArrowColumnVector;

/**
 * Engine results on their way back to Spark, one Arrow vector per output field, one slot per batch row. Each
 * row is, in row order, a result, empty (empty prompt: empty text, zero tokens), an error (a bad row under
 * on_error=null: null text, the reason in {@code error}), or left unset: null (a null prompt).
 */
public final class ResultBatch implements AutoCloseable {
    private final VarCharVector text;
    private final IntVector promptTokens;
    private final IntVector generatedTokens;
    private final VarCharVector finishReason;
    private final BigIntVector latencyMs;
    private final VarCharVector error;
    private final int rows;
    private int lastRow = -1;

    /** Vectors for {@code rows} rows, every slot null until set. */
    public ResultBatch(BufferAllocator allocator, int rows) {
        this.rows = rows;
        text = new VarCharVector("text", allocator);
        promptTokens = new IntVector("prompt_tokens", allocator);
        generatedTokens = new IntVector("generated_tokens", allocator);
        finishReason = new VarCharVector("finish_reason", allocator);
        latencyMs = new BigIntVector("latency_ms", allocator);
        error = new VarCharVector("error", allocator);
        for (ValueVector v : vectors()) {
            if (v instanceof VarCharVector vc) {
                vc.allocateNew(rows);
            } else {
                ((BaseFixedWidthVector) v).allocateNew(rows);
            }
        }
    }

    public void generated(int r, GenerationResult res) {
        advanceTo(r);
        text.setSafe(r, res.text().getBytes(StandardCharsets.UTF_8));
        promptTokens.setSafe(r, res.stats().promptTokens());
        generatedTokens.setSafe(r, res.stats().generatedTokens());
        finishReason.setSafe(r, res.finishReason().label().getBytes(StandardCharsets.UTF_8));
        latencyMs.setSafe(r, Math.round(res.stats().latencySeconds() * 1000));
    }

    /** An empty prompt: the engine is not asked, the text is empty. */
    public void empty(int r) {
        advanceTo(r);
        text.setSafe(r, new byte[0]);
        promptTokens.setSafe(r, 0);
        generatedTokens.setSafe(r, 0);
        latencyMs.setSafe(r, 0);
    }

    /** A bad row kept under on_error=null: no text, only why. */
    public void failed(int r, String reason) {
        advanceTo(r);
        error.setSafe(r, reason.getBytes(StandardCharsets.UTF_8));
    }

    /** Arrow's variable-width vectors are appended to, so rows are set in increasing order (skipped rows stay null). */
    private void advanceTo(int r) {
        if (r <= lastRow || r >= rows) {
            throw new IllegalStateException("row " + r + " set out of order (after row " + lastRow + ") or beyond "
                    + rows + " rows");
        }
        lastRow = r;
    }

    /** Spark's views of the vectors, in output-struct order. Unset rows read as null. */
    public ArrowColumnVector[] columns() {
        ValueVector[] vs = vectors();
        ArrowColumnVector[] out = new ArrowColumnVector[vs.length];
        for (int i = 0; i < vs.length; i++) {
            vs[i].setValueCount(rows);
            out[i] = new ArrowColumnVector(vs[i]);
        }
        return out;
    }

    private ValueVector[] vectors() {
        return new ValueVector[] {text, promptTokens, generatedTokens, finishReason, latencyMs, error};
    }

    @Override
    public void close() {
        for (ValueVector v : vectors()) {
            v.close();
        }
    }
}
