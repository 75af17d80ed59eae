package dev.klotski.spark.sql;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.execution.SparkPlan;
import scala.jdk.javaapi.CollectionConverters;

/** Finds the moe_generate exec in an executed plan (run with adaptive execution off) and reads its metrics. */
final class ExecFinder {
    private ExecFinder() {
    }

    static MoeGenerateExec find(SparkPlan plan) {
        if (plan instanceof MoeGenerateExec e) {
            return e;
        }
        for (SparkPlan c : CollectionConverters.asJava(plan.children())) {
            MoeGenerateExec e = find(c);
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    static Map<String, Long> metrics(SparkPlan plan) {
        Map<String, Long> m = new HashMap<>();
        CollectionConverters.asJava(find(plan).metrics()).forEach((k, v) -> m.put(k, v.value()));
        return m;
    }
}
