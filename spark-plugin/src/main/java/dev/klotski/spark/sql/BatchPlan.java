package dev.klotski.spark.sql;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;

/** What a task needs to run one {@link MoeGenerateExec} partition; shipped inside the task closure. */
record BatchPlan(List<MoeGenerate> calls, List<Attribute> childOutput, List<Attribute> output,
                 ExecMetrics metrics) implements Serializable {

    /** Rows per engine call: the smallest batch.rows of the calls, so no call gets more than it asked for. */
    int batchRows() {
        return calls.stream().mapToInt(c -> c.options().batchRows()).min().orElse(1);
    }

    /** Whether the next window is submitted while one is generated: only when every call allows it. */
    boolean overlapWindows() {
        return calls.stream().allMatch(c -> c.options().overlapWindows());
    }
}
