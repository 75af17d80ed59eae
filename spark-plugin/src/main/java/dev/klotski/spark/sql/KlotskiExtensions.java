package dev.klotski.spark.sql;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.Tuple3;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The SQL extension ({@code spark.sql.extensions}, appended by the driver plugin): the {@code moe_generate}
 * function, the rule that batches it, and the strategy that plans the batch.
 */
public final class KlotskiExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    public static final String FUNCTION = "moe_generate";

    @Override
    public BoxedUnit apply(SparkSessionExtensions ext) {
        ExpressionInfo info = new ExpressionInfo(MoeGenerate.class.getName(), null, FUNCTION,
                "_FUNC_(prompt[, map(option, value, ...)]) - generates text for each prompt with the Klotski MoE"
                        + " engine, in batches per partition; options override spark.klotski.* confs.",
                "", "", "", "", "", "", "");
        ext.injectFunction(new Tuple3<>(FunctionIdentifier.apply(FUNCTION), info, new MoeGenerateBuilder()));
        ext.injectOptimizerRule(new AbstractFunction1<SparkSession, Rule<LogicalPlan>>() {
            @Override
            public Rule<LogicalPlan> apply(SparkSession s) {
                return new ExtractMoeGenerate();
            }
        });
        ext.injectPlannerStrategy(new AbstractFunction1<SparkSession, SparkStrategy>() {
            @Override
            public SparkStrategy apply(SparkSession s) {
                return new MoeGenerateStrategy();
            }
        });
        return BoxedUnit.UNIT;
    }
}
