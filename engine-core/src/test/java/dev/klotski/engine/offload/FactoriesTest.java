package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Policies and prefetchers by name, and the errors for names that cannot be used. */
class FactoriesTest {
    private static final RoutingShape SHAPE = new RoutingShape(2, 4, 2);

    @Test
    void everyNameBuildsWhatItSays() {
        RoutingProfile profile = RoutingProfileTest.learned();
        Prefetcher markov = Prefetchers.create("markov", SHAPE, profile);
        for (String name : CachePolicies.NAMES) {
            assertEquals(name, CachePolicies.create(name, SHAPE, profile, markov).name());
        }
        for (String name : Prefetchers.NAMES) {
            if (!name.equals("next-gate")) {
                assertEquals(name, Prefetchers.create(name, SHAPE, profile).name());
            }
        }
        Prefetcher gate = new NoPrefetch();
        assertSame(gate, Prefetchers.create("next-gate", SHAPE, null, () -> gate), "the runtime brings next-gate");
    }

    @Test
    void unknownNamesListTheChoices() {
        String p = assertThrows(IllegalArgumentException.class, () -> CachePolicies.create("arc", SHAPE, null, null))
                .getMessage();
        assertTrue(p.contains("'arc'") && p.contains("lru, lfu, shallow, activation-aware, pin, forecast"), p);
        String q = assertThrows(IllegalArgumentException.class, () -> Prefetchers.create("oracle", SHAPE, null))
                .getMessage();
        assertTrue(q.contains("'oracle'") && q.contains("none, next-gate, correlation, markov, eam"), q);
    }

    @Test
    void namesThatCannotWorkHereSayWhy() {
        String gate = assertThrows(IllegalArgumentException.class, () -> Prefetchers.create("next-gate", SHAPE, null))
                .getMessage();
        assertTrue(gate.contains("hidden states") && gate.contains("trace"), gate);
        String pin = assertThrows(IllegalArgumentException.class, () -> CachePolicies.create("pin", SHAPE, null, null))
                .getMessage();
        assertTrue(pin.contains("profile"), pin);
        String forecast = assertThrows(IllegalArgumentException.class,
                () -> CachePolicies.create("forecast", SHAPE, null, new NoPrefetch())).getMessage();
        assertTrue(forecast.contains("none") && forecast.contains("markov"), forecast);
    }
}
