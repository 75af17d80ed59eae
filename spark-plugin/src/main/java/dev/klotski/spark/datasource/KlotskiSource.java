package dev.klotski.spark.datasource;

import dev.klotski.spark.codec.OutputCodec;
import dev.klotski.spark.conf.GenerateOptions;
import dev.klotski.spark.conf.KlotskiConf;
import dev.klotski.spark.conf.Settings;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code spark.read().format("klotski").option("model", dir).load("prompts.jsonl")}: reads a prompt dataset
 * (JSONL or Parquet with a {@code prompt} column and an optional {@code id}) and returns
 * {@code id, prompt, output}. Reader options are moe_generate options over the {@code spark.klotski.*} conf.
 */
public final class KlotskiSource implements TableProvider, DataSourceRegister {

    @Override
    public String shortName() {
        return "klotski";
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        return schema(resolve(options.asCaseSensitiveMap()));
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        GenerateOptions opts = resolve(properties);
        String path = properties.get("path");
        if (path == null) {
            throw new IllegalArgumentException("format(\"klotski\") needs a path: load(\"prompts.jsonl\")");
        }
        return new PromptTable(new PromptDataset(path, properties.getOrDefault("format", ""), opts, schema(opts)));
    }

    static StructType schema(GenerateOptions opts) {
        return new StructType()
                .add("id", DataTypes.StringType, true)
                .add("prompt", DataTypes.StringType, true)
                .add("output", OutputCodec.dataType(opts.structOutput()), true);
    }

    /** Options Spark itself gives a file source, beside the generation settings. */
    private static final java.util.Set<String> SPARK_OPTIONS = java.util.Set.of("path", "paths");

    /** Reader options that name a setting ({@code model}, {@code max_new_tokens}, ...) over the session conf. */
    static GenerateOptions resolve(Map<String, String> options) {
        Map<String, String> named = new HashMap<>(options);
        SPARK_OPTIONS.forEach(named::remove);
        KlotskiConf.checkOptions(named); // a typo ('max_new_token') fails naming the valid options, not silently
        Map<String, String> settings = new HashMap<>();
        KlotskiConf.entries().forEach(e -> {
            String v = options.get(e.name());
            if (v != null) {
                settings.put(e.name(), v);
            }
        });
        SQLConf conf = SQLConf.get();
        return GenerateOptions.from(new Settings(settings, key -> conf.getConfString(key, null)));
    }
}
