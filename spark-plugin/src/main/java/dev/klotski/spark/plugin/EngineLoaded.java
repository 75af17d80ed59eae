package dev.klotski.spark.plugin;

import java.io.Serializable;

/** Sent by an executor to the driver plugin each time it loads an engine (proves "one per executor"). */
public record EngineLoaded(String executorId, String modelDir, String device, long loadMillis)
        implements Serializable {
}
