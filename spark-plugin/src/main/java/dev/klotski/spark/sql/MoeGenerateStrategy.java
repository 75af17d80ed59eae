package dev.klotski.spark.sql;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans each {@link MoeGenerateBatch} into one {@link MoeGenerateExec}. */
public final class MoeGenerateStrategy extends SparkStrategy {

    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
        if (plan instanceof MoeGenerateBatch b) {
            return Scala.seq(List.of(new MoeGenerateExec(b.calls(), b.results(), planLater(b.child()))));
        }
        return Scala.seq(List.of());
    }
}
