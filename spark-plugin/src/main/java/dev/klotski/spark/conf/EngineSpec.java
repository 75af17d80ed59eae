package dev.klotski.spark.conf;

import java.io.Serializable;

/**
 * Which engine a query needs: executors keep one engine per distinct spec (in practice one per JVM).
 *
 * @param modelDir       model folder, as the executors see it
 * @param batchInvariant fixed-order kernels (row output independent of its batch)
 * @param threads        compute threads, 0 for the engine's default
 * @param factoryClass   the EngineFactory that opens it
 */
public record EngineSpec(String modelDir, boolean batchInvariant, int threads, String factoryClass)
        implements Serializable {

    public static EngineSpec from(Settings s) {
        return new EngineSpec(s.get(KlotskiConf.MODEL), s.get(KlotskiConf.BATCH_INVARIANT),
                s.get(KlotskiConf.ENGINE_THREADS), s.get(KlotskiConf.ENGINE_FACTORY));
    }
}
