package dev.klotski.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareProfileTest {
    private static final HardwareProfile PROFILE = Synthetic.profile(4e9);
    private static final ProfileKey SAME = PROFILE.key();

    @Test
    void jsonRoundTrip(@TempDir Path dir) throws Exception {
        assertEquals(PROFILE, HardwareProfile.fromJson(PROFILE.toJson(), "test"));
        Path file = dir.resolve("sub/hw.json");
        PROFILE.write(file);
        assertEquals(PROFILE, HardwareProfile.read(file));
        assertTrue(Files.readString(file).contains("\"disk_direct_bytes_per_second\""), "snake_case names");
    }

    @Test
    void aNamedProfileOfOtherThreadsOrAnotherModelIsRefused(@TempDir Path dir) {
        Path file = dir.resolve("hw.json");
        PROFILE.write(file);
        ProfileKey otherThreads = new ProfileKey(SAME.modelKey(), 4, false, SAME.kernels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProfileCache.loadOrMeasure(file, true, otherThreads, () -> fail("must not measure"), m -> { }));
        assertTrue(e.getMessage().contains("measured with 2 threads; this run uses 4"), e.getMessage());
        ProfileKey otherModel = new ProfileKey("fedcba9876543210", 2, false, SAME.kernels());
        e = assertThrows(IllegalArgumentException.class,
                () -> ProfileCache.loadOrMeasure(file, true, otherModel, () -> fail("must not measure"), m -> { }));
        assertTrue(e.getMessage().contains("another model") && e.getMessage().contains("fedcba9876543210"),
                e.getMessage());
        ProfileKey otherKernels = new ProfileKey(SAME.modelKey(), 2, true, "fixed-order-simd");
        e = assertThrows(IllegalArgumentException.class,
                () -> ProfileCache.loadOrMeasure(file, true, otherKernels, () -> fail("must not measure"), m -> { }));
        assertTrue(e.getMessage().contains("--batch-invariant") && e.getMessage().contains("fixed-order-simd"),
                e.getMessage());
    }

    @Test
    void aCachedProfileThatNoLongerAppliesIsMeasuredAgain(@TempDir Path dir) {
        Path file = dir.resolve("hw.json");
        PROFILE.write(file);
        ProfileKey otherThreads = new ProfileKey(SAME.modelKey(), 4, false, SAME.kernels());
        HardwareProfile remeasured = withThreads(4);
        List<String> said = new ArrayList<>();
        HardwareProfile got = ProfileCache.loadOrMeasure(file, false, otherThreads, () -> remeasured, said::add);
        assertEquals(remeasured, got);
        assertEquals(remeasured, HardwareProfile.read(file), "the cache now holds the new measurement");
        assertEquals(1, said.size());
        assertTrue(said.get(0).contains("does not apply") && said.get(0).contains("2 threads"), said.get(0));
    }

    @Test
    void aMatchingProfileIsReusedAndAMissingOneMeasuredOnce(@TempDir Path dir) {
        Path file = dir.resolve("hw.json");
        List<String> said = new ArrayList<>();
        assertEquals(PROFILE, ProfileCache.loadOrMeasure(file, false, SAME, () -> PROFILE, said::add));
        assertTrue(Files.exists(file));
        assertEquals(PROFILE, ProfileCache.loadOrMeasure(file, true, SAME, () -> fail("must not measure"), said::add));
        assertEquals(1, said.size(), "only the first call measured: " + said);
    }

    private static HardwareProfile withThreads(int threads) {
        HardwareProfile p = PROFILE;
        return new HardwareProfile(p.klotskiHardwareProfile(), p.measured(), p.machine(), p.kernels(), threads,
                p.batchInvariant(), p.modelKey(), p.modelDir(), p.model(), p.diskDirectBytesPerSecond(),
                p.diskBufferedBytesPerSecond(), p.hostCopyBytesPerSecond(), p.expertFfn(), p.dense(),
                p.lmHeadSecondsPerRow(), p.probe());
    }
}
