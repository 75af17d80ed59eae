package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteBudgetTest {

    @Test
    void bytesWithBinaryAndDecimalUnits() {
        assertEquals(4096, ByteBudget.parse("4096").resolve(1));
        assertEquals(2L << 30, ByteBudget.parse("2GiB").resolve(1));
        assertEquals(512L << 20, ByteBudget.parse("512MiB").resolve(1));
        assertEquals(512_000_000L, ByteBudget.parse("512m").resolve(1), "a unit without i is decimal");
    }

    @Test
    void decimalUnitsAreDecimal() {
        assertEquals(1_500_000_000L, ByteBudget.parse("1.5GB").resolve(1));
        assertEquals(3_000L, ByteBudget.parse("3kb").resolve(1));
    }

    @Test
    void aShareIsOfTheExpertBytes() {
        assertEquals(250, ByteBudget.parse("25%").resolve(1000));
        assertEquals(1000, ByteBudget.parse("100%").resolve(1000));
    }

    @Test
    void nonsenseNamesTheAcceptedForms() {
        for (String bad : new String[] {"", "lots", "-5", "0%", "150%", "2 parsecs"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteBudget.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
