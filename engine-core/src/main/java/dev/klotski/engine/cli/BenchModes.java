package dev.klotski.engine.cli;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GroupOptions;
import java.util.Arrays;
import java.util.List;

/**
 * The engines {@code bench --modes} compares, each a configuration of this engine that stands for a design:
 * every mode but resident offloads experts under the same device budget, and all run the same prompts.
 */
enum BenchModes {
    /** Every expert in memory, batched like klotski: the compute-bound reference. */
    RESIDENT("resident"),
    /** One batch of B at a time, no prefetch, LRU, and no overlap: compute waits for each load it asks for. */
    LOAD_ON_DEMAND("load-on-demand"),
    /** Mixtral-offloading: one batch, LRU cache, the next layer's gate applied early to guess its experts. */
    LRU_NEXT_GATE("lru-next-gate"),
    /** MoE-Infinity: one batch, activation-aware cache, prefetch from similar past requests' activation maps. */
    EAM("eam"),
    /** One batch of B at a time, next-layer (co-activation) prefetch, loads overlapping compute. */
    SIMPLE_PIPELINE("simple-pipeline"),
    /** n batches advance together, hot experts prefetched, resident experts first: the planner's choice. */
    KLOTSKI("klotski");

    final String label;

    BenchModes(String label) {
        this.label = label;
    }

    static BenchModes parse(String name) {
        for (BenchModes m : values()) {
            if (m.label.equals(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown bench mode '" + name.trim() + "'; choose "
                + String.join(", ", Arrays.stream(values()).map(m -> m.label).toList()));
    }

    static List<BenchModes> parseAll(String csv) {
        return Arrays.stream(csv.split(",")).filter(s -> !s.isBlank()).map(BenchModes::parse).toList();
    }

    /**
     * This mode's engine options from the user's: budgets, I/O and threads stay, the mode sets policy, prefetcher,
     * overlap and group shape. {@code klotskiGroup} is the planner's group (klotski and resident use it).
     */
    EngineOptions options(EngineOptions user, int batchSize, GroupOptions klotskiGroup) {
        GroupOptions oneBatch = new GroupOptions(1, batchSize, klotskiGroup.passTokens(), true);
        return switch (this) {
            case RESIDENT -> user.withOffload(null, null, "lru", "none").withGroup(klotskiGroup);
            case LOAD_ON_DEMAND -> offloaded(user, "lru", "none",
                    new GroupOptions(1, batchSize, klotskiGroup.passTokens(), false));
            case LRU_NEXT_GATE -> offloaded(user, "lru", "next-gate", oneBatch);
            case EAM -> offloaded(user, "activation-aware", "eam", oneBatch);
            case SIMPLE_PIPELINE -> offloaded(user, "lru", "correlation", oneBatch);
            case KLOTSKI -> offloaded(user, "lru", "correlation", klotskiGroup);
        };
    }

    private static EngineOptions offloaded(EngineOptions u, String policy, String prefetch, GroupOptions group) {
        return u.withOffload(u.deviceBudget(), u.hostBudget(), policy, prefetch).withGroup(group);
    }

    @Override
    public String toString() {
        return label;
    }
}
