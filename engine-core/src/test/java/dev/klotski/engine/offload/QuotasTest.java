package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** How slots are split among layers. */
class QuotasTest {
    private static boolean[] moe(int layers) {
        boolean[] m = new boolean[layers];
        Arrays.fill(m, true);
        return m;
    }

    @Test
    void equalSharesGiveTheRemainderToEarlyLayersAndSkipDenseOnes() {
        assertArrayEquals(new int[] {3, 3, 2, 2}, Quotas.equal(10, moe(4), 8));
        assertArrayEquals(new int[] {0, 4, 3, 3}, Quotas.equal(10, new boolean[] {false, true, true, true}, 8));
        assertArrayEquals(new int[] {8, 8}, Quotas.equal(100, moe(2), 8), "never more than every expert");
    }

    @Test
    void shallowCachesTheFirstLayersInFullWhenTheRestKeepTheirMinimum() {
        // The gpt-oss replay: 24 layers x 32 experts, 8 slots each. Four full layers would leave 3.2 per layer
        // for the other 20, under top-4, so three are full and 21 share 96 slots.
        int[] q = Quotas.shallow(192, moe(24), 32, 4, 4);
        assertEquals(192, Arrays.stream(q).sum());
        assertArrayEquals(new int[] {32, 32, 32}, Arrays.copyOf(q, 3));
        assertEquals(5, q[3]);
        assertEquals(4, q[23]);
        // Enough for four full layers: the other four share the rest.
        assertArrayEquals(new int[] {16, 16, 16, 16, 4, 4, 4, 4}, Quotas.shallow(80, moe(8), 16, 2, 4));
        // Too few for any full layer: an even split.
        assertArrayEquals(new int[] {3, 3, 2, 2}, Quotas.shallow(10, moe(4), 8, 2, 4));
        // A dense first layer is not one of "the first layers".
        assertArrayEquals(new int[] {0, 8, 2, 2}, Quotas.shallow(12, new boolean[] {false, true, true, true}, 8, 2, 4));
    }
}
