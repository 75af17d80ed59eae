package dev.klotski.spark;

import dev.klotski.spark.plugin.KlotskiDriverPlugin;
import dev.klotski.spark.plugin.KlotskiExecutorPlugin;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/** The one class users name: {@code --conf spark.plugins=dev.klotski.spark.KlotskiPlugin}. */
public final class KlotskiPlugin implements SparkPlugin {

    @Override
    public DriverPlugin driverPlugin() {
        return new KlotskiDriverPlugin();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new KlotskiExecutorPlugin();
    }
}
