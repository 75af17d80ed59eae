package dev.klotski.spark.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.Metadata;
import scala.Function1;
import scala.runtime.AbstractPartialFunction;

/**
 * Optimizer rule, the analogue of Spark's ExtractPythonUDFs: {@code Project(moe_generate(p) AS out, child)}
 * becomes {@code Project(r AS out, MoeGenerateBatch([moe_generate(p)] -> r, child))}. Only innermost calls
 * move per pass; a call nested in another's prompt moves on the next fixed-point iteration, above the first.
 */
public final class ExtractMoeGenerate extends Rule<LogicalPlan> {

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return plan.transformUp(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
            @Override
            public boolean isDefinedAt(LogicalPlan p) {
                return p instanceof Project proj && !innermostCalls(proj).isEmpty();
            }

            @Override
            public <A1 extends LogicalPlan, B1> B1 applyOrElse(A1 p, Function1<A1, B1> fallback) {
                if (!isDefinedAt(p)) {
                    return fallback.apply(p);
                }
                @SuppressWarnings("unchecked")
                B1 out = (B1) extract((Project) p);
                return out;
            }
        });
    }

    private static LogicalPlan extract(Project project) {
        List<MoeGenerate> calls = innermostCalls(project);
        List<Attribute> results = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            results.add(new AttributeReference("moe_generate_" + i, calls.get(i).dataType(), true,
                    Metadata.empty(), NamedExpression.newExprId(), Scala.seq(List.of())));
        }
        List<NamedExpression> newList = new ArrayList<>();
        for (NamedExpression e : Scala.list(project.projectList())) {
            newList.add((NamedExpression) replace((Expression) (Object) e, calls, results));
        }
        MoeGenerateBatch batch = new MoeGenerateBatch(Scala.seq(calls), Scala.seq(results), project.child());
        return new Project(Scala.seq(newList), batch);
    }

    private static Expression replace(Expression e, List<MoeGenerate> calls, List<Attribute> results) {
        return e.transformDown(new AbstractPartialFunction<Expression, Expression>() {
            @Override
            public boolean isDefinedAt(Expression x) {
                return x instanceof MoeGenerate && calls.contains(x);
            }

            @Override
            public <A1 extends Expression, B1> B1 applyOrElse(A1 x, Function1<A1, B1> fallback) {
                if (!isDefinedAt(x)) {
                    return fallback.apply(x);
                }
                @SuppressWarnings("unchecked")
                B1 out = (B1) results.get(calls.indexOf(x));
                return out;
            }
        });
    }

    /** Distinct calls in the projection whose arguments hold no other call. */
    static List<MoeGenerate> innermostCalls(Project project) {
        List<MoeGenerate> out = new ArrayList<>();
        for (NamedExpression e : Scala.list(project.projectList())) {
            collect((Expression) (Object) e, out);
        }
        return out;
    }

    private static boolean collect(Expression e, List<MoeGenerate> out) {
        boolean below = false;
        for (Expression c : Scala.list(e.children())) {
            below |= collect(c, out);
        }
        if (e instanceof MoeGenerate m) {
            if (!below && !out.contains(m)) {
                out.add(m);
            }
            return true;
        }
        return below;
    }
}
