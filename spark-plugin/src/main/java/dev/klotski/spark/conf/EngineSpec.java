package dev.klotski.spark.conf;

import java.io.Serializable;

/**
 * Which engine a query needs: executors keep one engine per distinct spec (in practice one per JVM).
 *
 * @param modelDir       model folder, as the executors see it
 * @param batchInvariant fixed-order kernels (row output independent of its batch)
 * @param threads        compute threads, 0 for the engine's default
 * @param factoryClass   the EngineFactory that opens it
 * @param offload        how routed experts are offloaded
 * @param group          how the engine's loop groups rows (from every task of the executor)
 */
public record EngineSpec(String modelDir, boolean batchInvariant, int threads, String factoryClass,
                         Offload offload, Group group) implements Serializable {

    /**
     * The engine's group: n batches of b rows advance together, passes of at most passTokens tokens, and the
     * share of offloaded slots lent to the loading layer. A null part was left empty: with {@code plan} and a
     * device budget the planner chooses it, else the engine's default.
     */
    public record Group(Integer batches, Integer batchSize, Integer passTokens, Float poolShare, String plan)
            implements Serializable {
        /** Every part left to the planner (with a device budget) or to the engine's default. */
        public static final Group DEFAULT = new Group(null, null, null, null, "auto");

        static Group from(Settings s) {
            return new Group(s.get(KlotskiConf.GROUP_BATCHES), s.get(KlotskiConf.GROUP_BATCH_SIZE),
                    s.get(KlotskiConf.PASS_TOKENS), s.get(KlotskiConf.POOL_SHARE), s.get(KlotskiConf.PLAN));
        }
    }

    public EngineSpec(String modelDir, boolean batchInvariant, int threads, String factoryClass, Offload offload) {
        this(modelDir, batchInvariant, threads, factoryClass, offload, Group.DEFAULT);
    }

    /**
     * Expert offloading settings; an empty device budget keeps every expert resident.
     *
     * @param deviceBudget   bytes or share of the expert bytes the compute tier holds, or ""
     * @param hostBudget     bytes or share for a host tier, or ""
     * @param policy         cache policy
     * @param prefetch       prefetcher
     * @param directIo       O_DIRECT reads
     * @param ioThreads      reader threads
     * @param routingProfile a profile file, or ""
     */
    public record Offload(String deviceBudget, String hostBudget, String policy, String prefetch, boolean directIo,
                          int ioThreads, String routingProfile) implements Serializable {

        /** Every expert resident. */
        public static final Offload NONE = new Offload("", "", "lru", "none", false, 2, "");

        static Offload from(Settings s) {
            return new Offload(s.get(KlotskiConf.DEVICE_BUDGET), s.get(KlotskiConf.HOST_BUDGET),
                    s.get(KlotskiConf.POLICY), s.get(KlotskiConf.PREFETCH), s.get(KlotskiConf.DIRECT_IO),
                    s.get(KlotskiConf.IO_THREADS), s.get(KlotskiConf.ROUTING_PROFILE));
        }
    }

    /** A spec with every expert resident. */
    public EngineSpec(String modelDir, boolean batchInvariant, int threads, String factoryClass) {
        this(modelDir, batchInvariant, threads, factoryClass, Offload.NONE);
    }

    public static EngineSpec from(Settings s) {
        return new EngineSpec(s.get(KlotskiConf.MODEL), s.get(KlotskiConf.BATCH_INVARIANT),
                s.get(KlotskiConf.ENGINE_THREADS), s.get(KlotskiConf.ENGINE_FACTORY), Offload.from(s),
                Group.from(s));
    }
}
