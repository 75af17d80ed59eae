package dev.klotski.spark.sql;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.spark.conf.GenerateOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataType;

/** Runs one moe_generate call over one batch of rows: evaluates its arguments, then {@link BatchGeneration}. */
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

    /** A window's arguments for this call, copied out of the rows (on the task thread: projections are not shared). */
    record Arguments(List<byte[]> prompts, List<byte[]> ids) {
    }

    Arguments arguments(List<InternalRow> rows) {
        List<byte[]> prompts = new ArrayList<>(rows.size());
        List<byte[]> ids = idType == null ? null : new ArrayList<>(rows.size());
        for (InternalRow row : rows) {
            UnsafeRow a = args.apply(row); // reused by the projection: copy the bytes out now
            prompts.add(a.isNullAt(0) ? null : a.getUTF8String(0).getBytes());
            if (ids != null) {
                ids.add(a.isNullAt(1) ? null : IdBytes.of(a, 1, idType));
            }
        }
        return new Arguments(prompts, ids);
    }

    /** Writes this call's output for each row of the window into {@code values[row][column]}; any thread. */
    void generate(Arguments a, long firstRow, BufferAllocator allocator, Cancellation cancel, Object[][] values,
                  int column) {
        Object[] out = BatchGeneration.generate(a.prompts(), a.ids(), opts, allocator, firstRow, metrics, cancel);
        for (int r = 0; r < out.length; r++) {
            values[r][column] = out[r];
        }
    }
}
