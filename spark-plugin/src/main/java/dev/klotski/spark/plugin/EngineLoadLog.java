package dev.klotski.spark.plugin;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Driver side: the engine loads this application's executors reported, to check "one engine per executor". */
public final class EngineLoadLog {
    private static final List<EngineLoaded> LOADS = new CopyOnWriteArrayList<>();

    private EngineLoadLog() {
    }

    /** A new application starts counting from zero (tests run several in one JVM). */
    static void reset() {
        LOADS.clear();
    }

    static void record(EngineLoaded loaded) {
        LOADS.add(loaded);
    }

    public static List<EngineLoaded> loads() {
        return List.copyOf(LOADS);
    }

    /** Executor id to number of engines it loaded. */
    public static Map<String, Integer> loadsPerExecutor() {
        Map<String, Integer> out = new TreeMap<>();
        for (EngineLoaded l : LOADS) {
            out.merge(l.executorId(), 1, Integer::sum);
        }
        return out;
    }
}
