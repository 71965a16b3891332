package org.conntrack4j.core.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ManualClockTest {
    private static final long MS = 1_000_000L;

    @Test
    void ticksFallOnMultiplesOfTheTickLengthWithoutAPhase() {
        ManualClock c = new ManualClock(250);
        c.setWallNanos(1_000_000_000L * 100 + 3 * MS + 999_999);
        assertEquals(100L * 250, c.jiffies());
        c.setWallNanos(1_000_000_000L * 100 + 4 * MS);
        assertEquals(100L * 250 + 1, c.jiffies());
    }

    @Test
    void aPhaseMovesWhereTheTicksFall() {
        ManualClock c = new ManualClock(250, 2_380_000);
        long base = 1_000_000_000L * 1700;
        c.setWallNanos(base + 2_379_999);
        long before = c.jiffies();
        c.setWallNanos(base + 2_380_000);
        assertEquals(before + 1, c.jiffies());
        // Two events 0.3 ms apart straddling the tick differ by one jiffy; two on the same side do not.
        c.setWallNanos(base + 2_200_000);
        long a = c.jiffies();
        c.setWallNanos(base + 2_500_000);
        assertEquals(a + 1, c.jiffies());
        c.setWallNanos(base + 2_400_000);
        long b = c.jiffies();
        c.setWallNanos(base + 2_700_000);
        assertEquals(b, c.jiffies());
        assertEquals(2_380_000, c.tickPhaseNanos());
    }

    @Test
    void aPhaseOutsideOneTickIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ManualClock(250, 4 * MS));
        assertThrows(IllegalArgumentException.class, () -> new ManualClock(250, -1));
    }
}
