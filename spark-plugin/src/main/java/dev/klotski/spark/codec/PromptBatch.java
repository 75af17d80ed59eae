package dev.klotski.spark.codec;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;

/**
 * One batch of prompts on its way from Spark rows to the engine, as Arrow vectors:
 * {@code prompt} (UTF-8, null for a null prompt) and {@code seed} (the row's sampling seed).
 */
public final class PromptBatch implements AutoCloseable {
    private final VarCharVector prompt;
    private final BigIntVector seed;
    private int rows;

    public PromptBatch(BufferAllocator allocator, int capacity) {
        prompt = new VarCharVector("prompt", allocator);
        seed = new BigIntVector("seed", allocator);
        prompt.allocateNew(capacity);
        seed.allocateNew(capacity);
    }

    /** Appends one row; {@code utf8} null means a null prompt. */
    public void add(byte[] utf8, long rowSeed) {
        if (utf8 == null) {
            prompt.setNull(rows);
        } else {
            prompt.setSafe(rows, utf8);
        }
        seed.setSafe(rows, rowSeed);
        rows++;
        prompt.setValueCount(rows);
        seed.setValueCount(rows);
    }

    public int rows() {
        return rows;
    }

    public VarCharVector prompts() {
        return prompt;
    }

    public BigIntVector seeds() {
        return seed;
    }

    @Override
    public void close() {
        prompt.close();
        seed.close();
    }
}
