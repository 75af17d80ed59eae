package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.Plan;
import dev.klotski.engine.plan.Plans;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.Workload;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Engines left to the planner get its group, keep what the user gave, and say why when no plan is made. */
class PlannedGroupTest {
    private static final PlannedGroup.Hint HINT = new PlannedGroup.Hint(32, 16, 4);
    private static HardwareProfile profile;

    @BeforeAll
    static void measure() {
        profile = new HardwareProber(1, true, new ProbeSettings(1 << 20, 1 << 20, List.of(1, 4, 16), List.of(1, 4), 8,
                1, 20), line -> { }).measure(TestModels.qwen3());
    }

    private static EngineOptions offloaded() {
        return EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(true).optThreads(1).build()
                .withOffload("50%", null, "lru", "correlation");
    }

    private static PlannedGroup.Choice choose(EngineOptions options, PlannedGroup.Given given) {
        return PlannedGroup.choose(options, given, HINT, key -> Optional.of(profile));
    }

    @Test
    void theGroupIsThePlansForTheBudgetAndTheHint() {
        PlannedGroup.Choice c = choose(offloaded(), PlannedGroup.Given.NONE);
        Plan plan = Plans.forBudgets(profile, "50%", null, false, new Workload(32, 16, 4, null), null, null);
        GroupOptions g = c.options().group();
        assertEquals(plan.groupBatches(), g.batches());
        assertEquals(plan.batchSize(), g.batchSize());
        assertEquals(plan.passTokens(), g.passTokens());
        assertEquals(plan.poolShare(), g.poolShare());
        assertTrue(c.note().startsWith("planned group: n = " + g.batches() + " batches of b = " + g.batchSize()),
                c.note());
        assertEquals(offloaded().withGroup(g), c.options(), "nothing but the group changes");
    }

    @Test
    void whatTheUserGaveIsKept() {
        PlannedGroup.Choice c = choose(offloaded(), new PlannedGroup.Given(3, null, 128, null));
        assertEquals(3, c.options().group().batches());
        assertEquals(128, c.options().group().passTokens());
        Plan plan = Plans.forBudgets(profile, "50%", null, false, new Workload(32, 16, 4, null), null, null);
        assertEquals(plan.poolShare(), c.options().group().poolShare());
    }

    @Test
    void nothingIsPlannedForResidentExpertsOrAGroupGivenInFull() {
        EngineOptions resident = EngineOptions.builder(TestModels.qwen3()).build();
        PlannedGroup.Choice r = choose(resident, PlannedGroup.Given.NONE);
        assertEquals(resident, r.options());
        assertNull(r.note());
        PlannedGroup.Choice all = choose(offloaded(), new PlannedGroup.Given(2, 2, 64, 0.5));
        assertEquals(offloaded(), all.options());
        assertNull(all.note());
    }

    @Test
    void withoutAProfileTheDefaultGroupRunsAndTheNoteSaysHowToMakeOne() {
        PlannedGroup.Choice c = PlannedGroup.choose(offloaded(), PlannedGroup.Given.NONE, HINT, key -> Optional.empty());
        assertEquals(offloaded(), c.options());
        assertTrue(c.note().contains("klotski profile-hw --model " + TestModels.qwen3() + " --threads 1 --batch-invariant"),
                c.note());
    }

    @Test
    void aBudgetThePlannerCannotUseFallsBackWithTheReason() {
        EngineOptions tiny = offloaded().withOffload("1KiB", null, "lru", "none");
        PlannedGroup.Choice c = choose(tiny, PlannedGroup.Given.NONE);
        assertEquals(tiny, c.options());
        assertTrue(c.note().contains("the planner could not plan this run"), c.note());
    }

    @Test
    void promptLengthsAreEstimatedFromTheirText() {
        PlannedGroup.Hint h = PlannedGroup.Hint.fromPrompts(8, java.util.Arrays.asList("x".repeat(400), null, "y".repeat(80)),
                5);
        assertEquals(60, h.promptTokens(), "mean of 400 and 80 characters at about 4 per token");
        assertEquals(PlannedGroup.Hint.UNSEEN_PROMPT_TOKENS,
                PlannedGroup.Hint.fromPrompts(8, java.util.Arrays.asList(null, ""), 5).promptTokens());
    }
}
