package dev.klotski.spark.plugin;

import java.util.Arrays;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;

/** Driver side: installs the SQL extension and collects engine-load reports from executors. */
public final class KlotskiDriverPlugin implements DriverPlugin {
    public static final String EXTENSIONS_KEY = "spark.sql.extensions";
    public static final String EXTENSION_CLASS = "dev.klotski.spark.sql.KlotskiExtensions";

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext ctx) {
        // ctx.conf() is the context's live conf (sc.getConf is a copy): the session reads extensions from it
        // after plugins start, so users need to set only spark.plugins.
        appendExtension(ctx.conf());
        EngineLoadLog.reset();
        return Map.of();
    }

    @Override
    public Object receive(Object message) {
        if (message instanceof EngineLoaded loaded) {
            EngineLoadLog.record(loaded);
        }
        return null;
    }

    static void appendExtension(SparkConf conf) {
        String current = conf.get(EXTENSIONS_KEY, "").trim();
        boolean present = Arrays.stream(current.split(",")).map(String::trim).anyMatch(EXTENSION_CLASS::equals);
        if (!present) {
            conf.set(EXTENSIONS_KEY, current.isEmpty() ? EXTENSION_CLASS : current + "," + EXTENSION_CLASS);
        }
    }
}
