package dev.klotski.engine.api;

import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.Plan;
import dev.klotski.engine.plan.Plans;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.ProfileCache;
import dev.klotski.engine.plan.ProfileKey;
import dev.klotski.engine.plan.Workload;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The group an offloaded engine runs when its user leaves it to the planner (the CLI's generate and batch, and
 * Spark executors, by default): the plan's n, b, pass tokens and pool share for the options' budgets and the
 * job as its host guesses it, with every part the user gave kept. The planner needs this machine's hardware
 * profile; only a cached one is used (measuring takes tens of seconds, which a host must not spend unasked), and
 * without one the engine runs the default group and the note says how to make one.
 */
public final class PlannedGroup {
    private PlannedGroup() {
    }

    /** What the user fixed of the group; null parts are left to the planner. */
    public record Given(Integer batches, Integer batchSize, Integer passTokens, Double poolShare) {
        public static final Given NONE = new Given(null, null, null, null);

        boolean everything() {
            return batches != null && batchSize != null && passTokens != null && poolShare != null;
        }

        /** The group given, the engine's defaults for the parts not given (n alone means b = 1). */
        public GroupOptions withDefaults() {
            int n = batches != null ? batches : 0;
            int b = batchSize != null ? batchSize : n == 0 ? 0 : 1;
            return new GroupOptions(n, b, passTokens != null ? passTokens : GroupOptions.DEFAULT_PASS_TOKENS, true,
                    poolShare != null ? poolShare : 0);
        }
    }

    /**
     * The job as the host guesses it, for the planner.
     *
     * @param prompts      prompts the engine will see at about the same time (it admits them as room frees)
     * @param promptTokens a typical prompt's tokens
     * @param newTokens    tokens generated per prompt
     */
    public record Hint(int prompts, int promptTokens, int newTokens) {
        /** A typical prompt's tokens when the host has seen none (Spark plans before its first row). */
        public static final int UNSEEN_PROMPT_TOKENS = 128;
        /** Characters per token of byte-level BPE on English text: a guess, good enough to plan passes. */
        private static final int CHARS_PER_TOKEN = 4;

        /** The hint from sample prompts (null ones skipped): their mean length in estimated tokens. */
        public static Hint fromPrompts(int prompts, java.util.List<String> sample, int newTokens) {
            long chars = 0;
            int seen = 0;
            for (String p : sample) {
                if (p != null && !p.isEmpty()) {
                    chars += p.length();
                    seen++;
                }
            }
            int tokens = seen == 0 ? UNSEEN_PROMPT_TOKENS
                    : (int) Math.max(1, Math.min(Integer.MAX_VALUE, chars / seen / CHARS_PER_TOKEN));
            return new Hint(prompts, tokens, newTokens);
        }

        /** As a workload; a batch size the user gave is the planner's too. */
        Workload workload(Integer batchSize) {
            return new Workload(Math.max(1, prompts), Math.max(1, promptTokens), Math.max(1, newTokens), batchSize);
        }
    }

    /**
     * The options to open the engine with, and one line for the log: the group planned and its prediction, or
     * why the default group runs (null when there was nothing to plan: every expert resident, or all given).
     */
    public record Choice(EngineOptions options, String note) {
    }

    /** The options with the planner's group where the user left it open, from a cached profile only. */
    public static Choice choose(EngineOptions options, Given given, Hint hint) {
        return choose(options, given, hint, ProfileCache::cached);
    }

    /**
     * As {@link #choose(EngineOptions, Given, Hint)}, but without a cached profile one is measured first (about
     * half a minute, once per machine, model, threads and kernel mode: it is then cached), saying so to
     * {@code progress}. For hosts where no one can run {@code klotski profile-hw} by hand (cluster executors).
     */
    public static Choice chooseMeasuring(EngineOptions options, Given given, Hint hint, Consumer<String> progress) {
        return choose(options, given, hint, key -> Optional.of(ProfileCache.loadOrMeasure(ProfileCache.defaultFile(key),
                false, key, () -> new HardwareProber(options.threads(), options.batchInvariant(), ProbeSettings.DEFAULT,
                        progress).measure(options.modelDir()), progress)));
    }

    /** As {@link #choose(EngineOptions, Given, Hint)}, with profiles from {@code profiles}. */
    static Choice choose(EngineOptions options, Given given, Hint hint,
                         java.util.function.Function<ProfileKey, Optional<HardwareProfile>> profiles) {
        if (!options.offloaded() || given.everything()) {
            return new Choice(options, null);
        }
        ProfileKey key;
        try {
            key = new HardwareProber(options.threads(), options.batchInvariant(), ProbeSettings.DEFAULT, line -> { })
                    .key(options.modelDir());
        } catch (RuntimeException unreadable) {
            return new Choice(options, null); // the engine's own load names what is wrong with the folder
        }
        Optional<HardwareProfile> profile = profiles.apply(key);
        if (profile.isEmpty()) {
            return new Choice(options, "no hardware profile of this machine for " + options.modelDir() + " with "
                    + options.threads() + " threads (" + key.kernels() + "), so the default group runs; measure one "
                    + "once (about half a minute, then cached) with: klotski profile-hw --model " + options.modelDir()
                    + " --threads " + options.threads() + (options.batchInvariant() ? " --batch-invariant" : ""));
        }
        Plan plan;
        try {
            plan = Plans.forBudgets(profile.get(), options.deviceBudget(), options.hostBudget(), options.directIo(),
                    hint.workload(given.batchSize()), null, options.routingProfile());
        } catch (RuntimeException e) {
            return new Choice(options, "the planner could not plan this run (" + e.getMessage()
                    + "), so the default group runs");
        }
        int n = given.batches() != null ? given.batches() : plan.groupBatches();
        int b = given.batchSize() != null ? given.batchSize() : plan.batchSize();
        if (n == 0 || b == 0) { // "as many as memory holds" given for either: the shape is the user's
            n = 0;
            b = 0;
        }
        GroupOptions group = new GroupOptions(n, b,
                given.passTokens() != null ? given.passTokens() : plan.passTokens(), options.group().overlapIo(),
                given.poolShare() != null ? given.poolShare() : plan.poolShare());
        return new Choice(options.withGroup(group), String.format(Locale.ROOT,
                "planned group: n = %d batches of b = %d, passes of %d tokens, pool share %.2f (the plan predicts "
                        + "%.1f tokens/s for %d prompts of about %d tokens, %d new; klotski plan shows why)",
                group.batches(), group.batchSize(), group.passTokens(), group.poolShare(),
                plan.predictedTokensPerSecond(), hint.prompts(), hint.promptTokens(), hint.newTokens()));
    }
}
