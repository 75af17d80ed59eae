package dev.klotski.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void everyFiniteF16RoundTripsExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = HalfFloats.f16ToFloat(h);
            if (Float.isNaN(f)) {
                assertTrue((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0, "only NaN patterns decode to NaN");
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f))));
                continue;
            }
            assertEquals(bits, HalfFloats.floatToF16(f) & 0xFFFF, "f16 bits 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void knownF16Values() {
        assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.f16ToFloat((short) 0xC000));
        assertEquals(65504f, HalfFloats.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat((short) 0x7C00));
        assertEquals(0x7C00, HalfFloats.floatToF16(65520f) & 0xFFFF); // rounds up to infinity
        assertEquals(0x7BFF, HalfFloats.floatToF16(65519f) & 0xFFFF);
        assertEquals(0x0000, HalfFloats.floatToF16(0x1p-25f) & 0xFFFF); // tie between 0 and 2^-24 goes to even 0
        assertEquals(0x0001, HalfFloats.floatToF16(0x1.8p-25f) & 0xFFFF);
        assertEquals(0x3C00, HalfFloats.floatToF16(1f + 0x1p-11f) & 0xFFFF); // tie, 1.0 is even
        assertEquals(0x3C02, HalfFloats.floatToF16(1f + 3 * 0x1p-11f) & 0xFFFF); // tie, rounds up to even
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)) & 0xFFFF); // tie down to even
        assertEquals(0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)) & 0xFFFF); // tie up to even
        assertEquals(0x3F81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808001)) & 0xFFFF);
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
    }
}
