package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile learner's counts, the file round trip, and the errors that name the file. */
class RoutingProfileTest {
    private static final RoutingShape SHAPE = new RoutingShape(2, 4, 2);

    /** Request 1: two tokens; request 2: one token, in the same pass as request 1's second (two rows). */
    static RoutingProfile learned() {
        ProfileLearner learner = new ProfileLearner(SHAPE);
        learner.observe(Routing.event(0, 1, 0, 1));
        learner.observe(Routing.event(1, 1, 2, 3));
        learner.observe(Routing.event(0, new long[] {1, 2}, new int[] {1, 2}, new int[] {3, 0}));
        learner.observe(Routing.event(1, new long[] {1, 2}, new int[] {3, 0}, new int[] {1, 2}));
        learner.requestEnded(1);
        learner.requestEnded(2);
        return learner.profile("hand-made");
    }

    @Test
    void learnerCountsPopularityCoactivationAndTransitions() {
        RoutingCounts c = learned().counts();
        assertEquals(3, c.tokens(0), 1e-12);
        assertEquals(2.0 / 6, c.popularity(0, 1), 1e-12, "expert 1 chosen by 2 of 6 choices at layer 0");
        assertEquals(0.5, c.afterLayer(1, 0, 2), 1e-12, "0 at layer 0 was followed by {2,3} and {1,2}: 2 of 4");
        assertEquals(0.25, c.afterLayer(1, 0, 1), 1e-12);
        assertEquals(0, c.afterLayer(0, 0, 1), 1e-12, "layer 0 has no layer before it");
        // Only request 1 has two tokens: at layer 1, {2,3} then {3,0}.
        assertEquals(0.5, c.afterToken(1, 2, 3), 1e-12);
        assertEquals(0.5, c.afterToken(1, 3, 0), 1e-12);
        assertEquals(0, c.afterToken(1, 1, 2), 1e-12, "request 2's token has no previous token");
        assertEquals(2, learned().activationMatrices().size());
        assertEquals(2, learned().requests());
    }

    @Test
    void aWrittenProfileReadsBackTheSame(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("p.json");
        RoutingProfile p = learned();
        p.write(file);
        RoutingProfile back = RoutingProfile.read(file);
        assertEquals(SHAPE, back.shape());
        assertEquals("hand-made", back.source());
        for (int l = 0; l < 2; l++) {
            for (int a = 0; a < 4; a++) {
                assertEquals(p.counts().popularity(l, a), back.counts().popularity(l, a), 1e-12);
                for (int e = 0; e < 4; e++) {
                    assertEquals(p.counts().afterLayer(l, a, e), back.counts().afterLayer(l, a, e), 1e-12);
                    assertEquals(p.counts().afterToken(l, a, e), back.counts().afterToken(l, a, e), 1e-12);
                }
            }
        }
        assertEquals(p.activationMatrices().get(1)[1][2], back.activationMatrices().get(1)[1][2]);
    }

    @Test
    void aProfileOfAnotherModelIsRefusedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("other-model.json");
        learned().write(file);
        RoutingProfile p = RoutingProfile.read(file);
        RoutingProfileException e = assertThrows(RoutingProfileException.class,
                () -> p.requireShape(new RoutingShape(24, 32, 4)));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("2 layers x 4 experts, top-2") && e.getMessage().contains("24 layers x 32"),
                e.getMessage());
        assertThrows(RoutingProfileException.class, () -> new MarkovPrefetcher(new RoutingShape(2, 8, 2), p));
    }

    @Test
    void aBrokenFileIsAClearErrorNamingIt(@TempDir Path tmp) throws Exception {
        Path notJson = tmp.resolve("garbage.json");
        Files.writeString(notJson, "{ not json");
        Path notProfile = tmp.resolve("other.json");
        Files.writeString(notProfile, "{\"layers\": 2}");
        Path badRows = tmp.resolve("rows.json");
        learned().write(badRows);
        Files.writeString(badRows, Files.readString(badRows).replaceFirst("\"popularity\":\\[\\[", "\"popularity\":[[7,"));
        for (Path f : new Path[] {notJson, notProfile, badRows, tmp.resolve("missing.json")}) {
            RoutingProfileException e = assertThrows(RoutingProfileException.class, () -> RoutingProfile.read(f));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }
}
