package dev.klotski.spark.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The planner's guess of rows in flight counts the tasks an executor runs at once, local masters included. */
class TaskSlotsTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private static int slots(String master, String executorCores) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        if (executorCores != null) {
            conf.set("spark.executor.cores", executorCores);
        }
        return TaskSlots.of(conf);
    }

    @Test
    void localMastersCountTheirThreadsAndClustersTheExecutorsCores() {
        assertEquals(3, slots("local[3]", null));
        assertEquals(5, slots("local[5,2]", null), "local[N,F]: N threads, F task failures");
        assertEquals(CORES, slots("local[*]", null));
        assertEquals(1, slots("local", null), "plain local: one thread");
        assertEquals(4, slots("spark://h:7077", "4"));
        assertEquals(CORES, slots("spark://h:7077", null));
    }
}
