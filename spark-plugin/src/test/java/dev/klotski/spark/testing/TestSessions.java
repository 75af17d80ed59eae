package dev.klotski.spark.testing;

import dev.klotski.spark.KlotskiPlugin;
import org.apache.spark.sql.SparkSession;

/** Local Spark sessions for tests: loopback only, no UI, the plugin set the way users set it. */
public final class TestSessions {
    private TestSessions() {
    }

    public static SparkSession.Builder local(String master) {
        SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
        if (active != null) {
            active.stop(); // one session per test class: never inherit another class's settings
        }
        return SparkSession.builder()
                .master(master)
                .appName("klotski-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.plugins", KlotskiPlugin.class.getName())
                .config("spark.klotski.model", "/models/fake")
                .config("spark.klotski.engine.factory", FakeEngineFactory.class.getName());
    }
}
