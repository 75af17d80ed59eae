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
        KlotskiConf.checkOptionNames(options);
        SQLConf conf = SQLConf.get();
        GenerateOptions opts = GenerateOptions.from(new Settings(options, key -> conf.getConfString(key, null)));
        List<Expression> children = new ArrayList<>();
        children.add(argList.get(0));
        if (opts.hasIdColumn()) {
            children.add(UnresolvedAttribute.quoted(opts.idColumn())); // resolved against the input by the analyzer
        }
        return new MoeGenerate(Scala.seq(children), opts);
    }

    private static Map<String, String> constantMap(Expression e) {
        if (!e.foldable()) {
            throw new IllegalArgumentException("moe_generate options must be a constant map, e.g. map('max_new_tokens', '64')");
        }
        Object v = e.eval(null);
        if (!(v instanceof MapData m)) {
            throw new IllegalArgumentException("moe_generate options must be a map of strings, got " + e.dataType().simpleString());
        }
        ArrayData keys = m.keyArray();
        ArrayData values = m.valueArray();
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < m.numElements(); i++) {
            out.put(keys.getUTF8String(i).toString(), values.isNullAt(i) ? null : values.getUTF8String(i).toString());
        }
        return out;
    }
}
