package dev.klotski.spark.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * One task's side of {@link MoeGenerateExec}: reads windows of up to batch.rows input rows, runs each call's batch
 * through the engine ({@link CallRunner}; with batch.overlap the next window while this one finishes, see
 * {@link WindowPipeline}), then emits the buffered rows with their results appended. Input rows are copied when
 * buffered because upstream operators reuse one row object.
 */
final class PartitionGenerator implements Iterator<InternalRow> {
    private final Iterator<InternalRow> input;
    private final BatchPlan plan;
    private final UnsafeProjection toUnsafe;
    private final WindowPipeline<InternalRow> windows;
    private List<InternalRow> batch = Collections.emptyList();
    private Object[][] values;
    private int next;

    private PartitionGenerator(Iterator<InternalRow> input, BatchPlan plan, WindowPipeline<InternalRow> windows) {
        this.input = input;
        this.plan = plan;
        this.windows = windows;
        this.toUnsafe = UnsafeProjection.create(schema(plan.output()));
    }

    static Iterator<InternalRow> run(Iterator<InternalRow> input, BatchPlan plan) {
        BufferAllocator allocator = new RootAllocator();
        TaskContext ctx = TaskContext.get();
        List<CallRunner> runners = new ArrayList<>();
        for (MoeGenerate call : plan.calls()) {
            runners.add(new CallRunner(call, plan.childOutput(), plan.metrics()));
        }
        WindowPipeline<InternalRow> windows = new WindowPipeline<>(callsWork(runners, allocator),
                plan.overlapWindows(), ctx);
        if (ctx != null) {
            // Listeners run last-registered first: the windows stop before their allocator closes.
            ctx.addTaskCompletionListener((TaskCompletionListener) c -> allocator.close());
            ctx.addTaskCompletionListener((TaskCompletionListener) c -> windows.abandon());
        }
        return new PartitionGenerator(input, plan, windows);
    }

    /** Every call's arguments read out of a window's rows, then each call's batch generated in turn. */
    private static WindowPipeline.WindowWork<InternalRow> callsWork(List<CallRunner> runners,
                                                                    BufferAllocator allocator) {
        return (rows, firstRow) -> {
            List<CallRunner.Arguments> args = new ArrayList<>(runners.size());
            for (CallRunner r : runners) {
                args.add(r.arguments(rows));
            }
            return cancel -> {
                Object[][] values = new Object[rows.size()][runners.size()];
                for (int c = 0; c < runners.size(); c++) {
                    runners.get(c).generate(args.get(c), firstRow, allocator, cancel, values, c);
                }
                return values;
            };
        };
    }

    @Override
    public boolean hasNext() {
        if (next < batch.size()) {
            return true;
        }
        if (windows.isEmpty() && !input.hasNext()) {
            return false;
        }
        readBatch();
        return true;
    }

    @Override
    public InternalRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int r = next++;
        InternalRow out = toUnsafe.apply(new JoinedRow(batch.get(r), new GenericInternalRow(values[r])));
        plan.metrics().rows().add(1);
        return out;
    }

    private void readBatch() {
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            ctx.killTaskIfInterrupted(); // a killed task starts no further batch
        }
        while (windows.wantsMore() && input.hasNext()) {
            windows.submit(readRows());
        }
        WindowPipeline.Generated<InternalRow> w = windows.next();
        batch = w.rows();
        values = w.values();
        next = 0;
    }

    private List<InternalRow> readRows() {
        int cap = plan.batchRows();
        List<InternalRow> rows = new ArrayList<>(cap);
        while (rows.size() < cap && input.hasNext()) {
            rows.add(input.next().copy());
        }
        return rows;
    }

    private static StructType schema(List<Attribute> attrs) {
        StructField[] fields = new StructField[attrs.size()];
        for (int i = 0; i < fields.length; i++) {
            Attribute a = attrs.get(i);
            fields[i] = DataTypes.createStructField(a.name(), a.dataType(), a.nullable());
        }
        return new StructType(fields);
    }
}
