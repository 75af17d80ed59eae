package dev.klotski.spark.sql;

import dev.klotski.spark.codec.OutputCodec;
import dev.klotski.spark.conf.GenerateOptions;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Unevaluable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * {@code moe_generate(prompt[, options])} in a plan. It is never evaluated row by row: {@link ExtractMoeGenerate}
 * moves it into a {@link MoeGenerateBatch} node whose exec feeds whole batches to the engine.
 * Children: the prompt, then the id column when the {@code id_column} option names one.
 * Non-deterministic on purpose, so the optimizer neither duplicates it (filter push-down through the
 * projection) nor runs it on the driver (ConvertToLocalRelation).
 */
public final class MoeGenerate extends Expression implements Unevaluable, java.io.Serializable {
    private final Seq<Expression> args;
    private final GenerateOptions options;

    public MoeGenerate(Seq<Expression> args, GenerateOptions options) {
        this.args = Objects.requireNonNull(args);
        this.options = Objects.requireNonNull(options);
    }

    public GenerateOptions options() {
        return options;
    }

    public Expression prompt() {
        return args.head();
    }

    @Override
    public Seq<Expression> children() {
        return args;
    }

    @Override
    public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
        return new MoeGenerate(newChildren.toList(), options);
    }

    @Override
    public TypeCheckResult checkInputDataTypes() {
        if (!prompt().dataType().equals(DataTypes.StringType)) {
            return new TypeCheckResult.TypeCheckFailure("moe_generate needs a string prompt, got "
                    + prompt().dataType().simpleString());
        }
        String badId = args.size() > 1 ? IdBytes.unsupported(args.apply(1).dataType()) : null;
        if (badId != null) {
            return new TypeCheckResult.TypeCheckFailure("moe_generate: id_column '" + options.idColumn() + "' cannot"
                    + " seed rows: " + badId + ", so a re-run could sample other tokens; use a string, number, binary,"
                    + " or an array or struct of those (e.g. a key column)");
        }
        return TypeCheckResult.TypeCheckSuccess$.MODULE$;
    }

    @Override
    public boolean nullable() {
        return true;
    }

    @Override
    public boolean deterministic() {
        return false;
    }

    @Override
    public boolean foldable() {
        return false;
    }

    @Override
    public DataType dataType() {
        return OutputCodec.dataType(options.structOutput());
    }

    @Override
    public String prettyName() {
        return "moe_generate";
    }

    @Override
    public Object eval(InternalRow row) {
        throw notBatched();
    }

    @Override
    public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
        throw notBatched();
    }

    private static IllegalStateException notBatched() {
        return new IllegalStateException("moe_generate runs only in a SELECT list / withColumn projection, where it"
                + " is batched; it cannot be evaluated row by row (e.g. inside a filter, join or aggregate)");
    }

    // Product: must mirror the constructor, Catalyst copies nodes through it.
    @Override
    public int productArity() {
        return 2;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> args;
            case 1 -> options;
            default -> throw new IndexOutOfBoundsException(n);
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof MoeGenerate;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MoeGenerate m && args.equals(m.args) && options.equals(m.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(args, options);
    }
}
