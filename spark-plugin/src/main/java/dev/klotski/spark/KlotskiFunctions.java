package dev.klotski.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/** The Column API: {@code df.withColumn("out", moeGenerate(col("prompt")))}. Needs the Klotski plugin. */
public final class KlotskiFunctions {
    private KlotskiFunctions() {
    }

    /** Generates for each prompt with the conf defaults ({@code spark.klotski.*}). */
    public static Column moeGenerate(Column prompt) {
        return functions.call_function("moe_generate", prompt);
    }

    /** Generates with per-call options (e.g. max_new_tokens, temperature, output) over the conf defaults. */
    public static Column moeGenerate(Column prompt, Map<String, String> options) {
        if (options.isEmpty()) {
            return moeGenerate(prompt);
        }
        List<Column> kv = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(options).entrySet()) {
            kv.add(functions.lit(e.getKey()));
            kv.add(functions.lit(e.getValue()));
        }
        return functions.call_function("moe_generate", prompt, functions.map(kv.toArray(new Column[0])));
    }
}
