package dev.klotski.spark.sql;

import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * Logical node: the child's rows plus one result column per {@link MoeGenerate} call. Planned into
 * {@link MoeGenerateExec}.
 */
public final class MoeGenerateBatch extends LogicalPlan {
    private final Seq<MoeGenerate> calls;
    private final Seq<Attribute> results;
    private final LogicalPlan child;

    public MoeGenerateBatch(Seq<MoeGenerate> calls, Seq<Attribute> results, LogicalPlan child) {
        this.calls = Objects.requireNonNull(calls);
        this.results = Objects.requireNonNull(results);
        this.child = Objects.requireNonNull(child);
    }

    public Seq<MoeGenerate> calls() {
        return calls;
    }

    public Seq<Attribute> results() {
        return results;
    }

    public LogicalPlan child() {
        return child;
    }

    @Override
    public Seq<Attribute> output() {
        return child.output().appendedAll(results).toList();
    }

    @Override
    public AttributeSet producedAttributes() {
        return AttributeSet.apply(Scala.seq(Scala.list(results).stream().map(a -> (org.apache.spark.sql.catalyst.expressions.Expression) a).toList()));
    }

    @Override
    public Seq<LogicalPlan> children() {
        return Scala.seq(java.util.List.of(child));
    }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
        return new MoeGenerateBatch(calls, results, newChildren.head());
    }

    @Override
    public int productArity() {
        return 3;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> calls;
            case 1 -> results;
            case 2 -> child;
            default -> throw new IndexOutOfBoundsException(n);
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof MoeGenerateBatch;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MoeGenerateBatch b && calls.equals(b.calls) && results.equals(b.results)
                && child.equals(b.child);
    }

    @Override
    public int hashCode() {
        return Objects.hash(calls, results, child);
    }
}
