package dev.klotski.engine.offload;

import dev.klotski.engine.model.ExpertCatalog;
import dev.klotski.engine.model.ExpertSourceFactory;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.weights.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Builds the offloading expert source from {@link OffloadOptions}: sizes the compute tier from the budget,
 * refuses a budget below what one token needs in every layer, and picks the policy and prefetcher by name.
 */
public final class OffloadFactory implements ExpertSourceFactory {
    private final OffloadOptions options;

    public OffloadFactory(OffloadOptions options) {
        this.options = options;
    }

    /** Slots the budget holds, checked against the minimum with per-layer slots only (top-k in each MoE layer). */
    public static int slots(ExpertCatalog catalog, ByteBudget budget) {
        return slots(catalog, budget, false);
    }

    /**
     * Slots the budget holds, checked against the minimum: top-k experts in each MoE layer when every slot is a
     * layer's own; with a pool, top-k in all (a layer borrows what it needs, one expert after another).
     */
    public static int slots(ExpertCatalog catalog, ByteBudget budget, boolean pooled) {
        long slotBytes = catalog.expertBytes();
        long bytes = budget.resolve(catalog.totalBytes());
        int all = catalog.moeLayerCount() * catalog.expertsPerLayer();
        long slots = Math.min(all, bytes / slotBytes);
        int minimum = pooled ? catalog.topK() : catalog.moeLayerCount() * catalog.topK();
        if (slots < minimum) {
            long minBytes = minimum * slotBytes;
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "device budget %s (%s) holds %d experts of %s; the model needs at least %d at once (top-%d %s) "
                            + "— raise --device-budget to at least %d (%s, %.1f%% of the expert bytes)%s", budget,
                    human(bytes), slots, human(slotBytes), minimum, catalog.topK(),
                    pooled ? "in all, borrowed from the pool" : "in each of its " + catalog.moeLayerCount()
                            + " MoE layers", minBytes, human(minBytes), 100.0 * minBytes / catalog.totalBytes(),
                    pooled ? "" : String.format(Locale.ROOT, ", or lend slots to the loading layer (--pool-share, "
                            + "e.g. 0.5) to run with as little as %s", human(catalog.topK() * slotBytes))));
        }
        return (int) slots;
    }

    /**
     * Slots lent as a shared pool: the share of all slots, at least one when the share is not 0. The rest are
     * the layers' own, shared equally; a layer left with none borrows everything it loads from the pool.
     */
    public static int poolSlots(int slots, double share) {
        if (share <= 0) {
            return 0;
        }
        return Math.max(1, Math.min(slots, (int) Math.floor(slots * share)));
    }

    /** Heap bytes: the compute tier's slots (the host tier is off-heap). */
    @Override
    public long heldBytes(ExpertCatalog catalog) {
        return slots(catalog, options.deviceBudget(), options.poolShare() > 0) * catalog.expertBytes();
    }

    @Override
    public ExpertSource create(ExpertCatalog catalog, Checkpoint checkpoint) {
        catalog.all().flatMap(e -> Arrays.stream(e.matrices())).forEach(checkpoint::claim); // read later, by the tier
        int slots = slots(catalog, options.deviceBudget(), options.poolShare() > 0);
        int experts = catalog.expertsPerLayer();
        RoutingShape shape = new RoutingShape(catalog.layers(), experts, catalog.topK());
        RoutingProfile profile = options.profile() == null ? null
                : RoutingProfile.read(options.profile()).requireShape(shape);
        Prefetcher prefetcher = Prefetchers.create(options.prefetch(), shape, profile,
                () -> new NextGatePrefetcher(catalog.routers()));
        CachePolicy policy = CachePolicies.create(options.policy(), shape, profile, prefetcher);
        int pool = poolSlots(slots, options.poolShare());
        int home = slots - pool;
        int minPerLayer = pool == 0 ? catalog.topK() : Math.min(catalog.topK(), home / catalog.moeLayerCount());
        int[] quotas = policy.quotas(home, catalog.moeLayers(), experts, minPerLayer);
        int[] hostQuotas = null;
        if (options.hostBudget() != null) {
            long hostSlots = Math.min((long) catalog.moeLayerCount() * experts,
                    options.hostBudget().resolve(catalog.totalBytes()) / catalog.expertBytes());
            hostQuotas = Quotas.equal((int) hostSlots, catalog.moeLayers(), experts);
        }
        ExpertStorage storage = new ExpertStorage(files(catalog), options.directIo());
        try {
            return new OffloadedExperts(catalog, quotas, pool, hostQuotas, policy, prefetcher, storage,
                    options.ioThreads(), options.deviceBudget().resolve(catalog.totalBytes()), options.overlap());
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    private static Set<Path> files(ExpertCatalog catalog) {
        Set<Path> files = new LinkedHashSet<>();
        catalog.all().flatMap(e -> Arrays.stream(e.matrices())).forEach(w -> {
            files.add(w.values().file());
            if (w.scales() != null) {
                files.add(w.scales().file());
            }
        });
        return files;
    }

    /** Bytes as a short human figure (17.3 MiB). */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
