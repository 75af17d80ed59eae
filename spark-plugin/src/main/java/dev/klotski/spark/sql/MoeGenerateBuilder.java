package dev.klotski.spark.sql;

import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.conf.KlotskiConf;
import dev.klotski.spark.conf.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NumericType;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractFunction1;

/**
 * Builds {@link MoeGenerate} from the SQL arguments {@code (prompt[, map(...)])} at analysis time: the option
 * map must be constant; options override the session's {@code spark.klotski.*} conf, so the query carries
 * fully resolved settings to the executors.
 */
final class MoeGenerateBuilder extends AbstractFunction1<Seq<Expression>, Expression> {

    @Override
    public Expression apply(Seq<Expression> rawArgs) {
        List<Expression> argList = Scala.list(rawArgs);
        if (argList.isEmpty() || argList.size() > 2) {
            throw new IllegalArgumentException("moe_generate takes (prompt) or (prompt, map(option, value, ...)), got "
                    + argList.size() + " arguments");
        }
        Map<String, String> options = argList.size() == 2 ? constantMap(argList.get(1)) : Map.of();
        KlotskiConf.checkOptions(options);
        SQLConf conf = SQLConf.get();
        GenerateOptions opts = GenerateOptions.from(new Settings(options, key -> conf.getConfString(key, null)));
        List<Expression> children = new ArrayList<>();
        children.add(argList.get(0));
        if (opts.hasIdColumn()) {
            children.add(UnresolvedAttribute.quoted(opts.idColumn())); // resolved against the input by the analyzer
        }
        return new MoeGenerate(Scala.seq(children), opts);
    }

    /**
     * The option map's entries as text. Values may be strings, numbers or booleans (map('max_new_tokens', 64)
     * is as good as '64'); each is then parsed and range-checked like its conf entry.
     */
    private static Map<String, String> constantMap(Expression e) {
        if (!e.foldable()) {
            throw new IllegalArgumentException("moe_generate options must be a constant map, e.g. map('max_new_tokens', '64')");
        }
        if (!(e.dataType() instanceof MapType type) || !type.keyType().equals(DataTypes.StringType)
                || !optionValueType(type.valueType())) {
            throw new IllegalArgumentException("moe_generate options must be a map from option names to strings, "
                    + "numbers or booleans, e.g. map('max_new_tokens', '64'), got " + e.dataType().simpleString());
        }
        MapData m = (MapData) e.eval(null);
        Map<String, String> out = new TreeMap<>();
        if (m == null) {
            return out;
        }
        ArrayData keys = m.keyArray();
        ArrayData values = m.valueArray();
        for (int i = 0; i < m.numElements(); i++) {
            out.put(keys.getUTF8String(i).toString(),
                    values.isNullAt(i) ? null : String.valueOf(values.get(i, type.valueType())));
        }
        return out;
    }

    private static boolean optionValueType(DataType t) {
        return t.equals(DataTypes.StringType) || t instanceof NumericType || t.equals(DataTypes.BooleanType)
                || t.equals(DataTypes.NullType);
    }
}
