package dev.klotski.spark.sql;

import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Map;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Physical node: gathers each partition's rows into engine multi-batches and appends the generated
 * columns, rows in input order. The per-partition work lives in {@link PartitionGenerator}.
 */
public final class MoeGenerateExec extends SparkPlan {
    private final Seq<MoeGenerate> calls;
    private final Seq<Attribute> results;
    private final SparkPlan child;
    private final ExecMetrics execMetrics;

    public MoeGenerateExec(Seq<MoeGenerate> calls, Seq<Attribute> results, SparkPlan child) {
        this.calls = Objects.requireNonNull(calls);
        this.results = Objects.requireNonNull(results);
        this.child = Objects.requireNonNull(child);
        this.execMetrics = ExecMetrics.create(sparkContext());
    }

    @Override
    public RDD<InternalRow> doExecute() {
        BatchPlan plan = new BatchPlan(Scala.list(calls), Scala.list(child.output()), Scala.list(output()), execMetrics);
        return run(child.execute(), plan);
    }

    /** Static so the closure captures the serializable plan only, never this exec. */
    private static RDD<InternalRow> run(RDD<InternalRow> input, BatchPlan plan) {
        JavaRDD<InternalRow> rows = input.toJavaRDD();
        return rows.mapPartitions(it -> PartitionGenerator.run(it, plan)).rdd();
    }

    @Override
    public Map<String, SQLMetric> metrics() {
        return scala.collection.immutable.Map.from(CollectionConverters.asScala(execMetrics.asMap()));
    }

    @Override
    public Seq<Attribute> output() {
        return child.output().appendedAll(results).toList();
    }

    @Override
    public AttributeSet producedAttributes() {
        return AttributeSet.apply(Scala.seq(Scala.list(results).stream().map(a -> (Expression) a).toList()));
    }

    @Override
    public Seq<SparkPlan> children() {
        return Scala.seq(List.of(child));
    }

    @Override
    public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
        return new MoeGenerateExec(calls, results, newChildren.head());
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
        return that instanceof MoeGenerateExec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MoeGenerateExec e && calls.equals(e.calls) && results.equals(e.results)
                && child.equals(e.child);
    }

    @Override
    public int hashCode() {
        return Objects.hash(calls, results, child);
    }
}
