package dev.klotski.spark.sql;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.execution.metric.SQLMetrics;

/** The SQL metrics of one {@link MoeGenerateExec}, shown in the Spark UI's SQL tab. */
record ExecMetrics(SQLMetric rows, SQLMetric engineCalls, SQLMetric promptTokens, SQLMetric generatedTokens,
                   SQLMetric generationTime, SQLMetric expertLookups, SQLMetric expertHits,
                   SQLMetric expertHitRate, SQLMetric expertLoads, SQLMetric expertBytesRead,
                   SQLMetric expertStallTime, SQLMetric groupRows, SQLMetric groupBatches,
                   SQLMetric batchSize, SQLMetric bubblePercent) implements Serializable {

    static ExecMetrics create(SparkContext sc) {
        return new ExecMetrics(
                SQLMetrics.createMetric(sc, "number of output rows"),
                SQLMetrics.createMetric(sc, "engine calls"),
                SQLMetrics.createMetric(sc, "prompt tokens"),
                SQLMetrics.createMetric(sc, "generated tokens"),
                SQLMetrics.createNanoTimingMetric(sc, "generation time", -1L),
                SQLMetrics.createMetric(sc, "expert lookups"),
                SQLMetrics.createMetric(sc, "expert hits"),
                // One value per task (hits / lookups of the task's own engine calls); the UI shows min/med/max.
                SQLMetrics.createAverageMetric(sc, "expert hit rate (%)"),
                SQLMetrics.createMetric(sc, "expert loads"),
                SQLMetrics.createSizeMetric(sc, "expert bytes read", -1L),
                SQLMetrics.createNanoTimingMetric(sc, "expert load stall time", -1L),
                SQLMetrics.createAverageMetric(sc, "rows per engine group (n x b)"),
                // The engine's configured shape (planned or given), one value per task; 0 and 0: as memory holds.
                SQLMetrics.createAverageMetric(sc, "engine group batches (n)"),
                SQLMetrics.createAverageMetric(sc, "engine batch size (b)"),
                SQLMetrics.createAverageMetric(sc, "pipeline bubble (% of generation time waiting for experts)"));
    }

    Map<String, SQLMetric> asMap() {
        Map<String, SQLMetric> m = new LinkedHashMap<>();
        m.put("numOutputRows", rows);
        m.put("engineCalls", engineCalls);
        m.put("promptTokens", promptTokens);
        m.put("generatedTokens", generatedTokens);
        m.put("generationTime", generationTime);
        m.put("expertLookups", expertLookups);
        m.put("expertHits", expertHits);
        m.put("expertHitRate", expertHitRate);
        m.put("expertLoads", expertLoads);
        m.put("expertBytesRead", expertBytesRead);
        m.put("expertStallTime", expertStallTime);
        m.put("groupRows", groupRows);
        m.put("groupBatches", groupBatches);
        m.put("batchSize", batchSize);
        m.put("bubblePercent", bubblePercent);
        return m;
    }
}
