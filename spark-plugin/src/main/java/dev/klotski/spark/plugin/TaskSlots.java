package dev.klotski.spark.plugin;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/** How many tasks an executor runs at once: the rows the planner expects in flight are batch.rows times this. */
public final class TaskSlots {
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]");

    private TaskSlots() {
    }

    /**
     * spark.executor.cores, or the threads of a local master (local: 1; local[N] and local[N,F]: N; local[*]: the
     * cores).
     */
    public static int of(SparkConf conf) {
        int cores = Runtime.getRuntime().availableProcessors();
        String master = conf.get("spark.master", "");
        if (master.equals("local")) {
            return 1;
        }
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            return local.group(1).equals("*") ? cores : Integer.parseInt(local.group(1));
        }
        return conf.getInt("spark.executor.cores", cores);
    }
}
