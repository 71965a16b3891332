package org.conntrack4j.replay.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayOptionsTest {
    @Test
    void tickPhaseIsLeftToTheCaseUnlessGiven() {
        assertEquals(-1, ReplayOptions.parse("case", "--out", "o").tickPhaseNanos);
    }

    @Test
    void tickPhaseIsGivenInMicroseconds() {
        assertEquals(0, ReplayOptions.parse("case", "--out", "o", "--tick-phase", "0").tickPhaseNanos);
        assertEquals(1_250_500, ReplayOptions.parse("case", "--out", "o", "--tick-phase", "1250.5").tickPhaseNanos);
    }

    @Test
    void tickPhaseOutsideOneTickOrNotANumberIsAUsageError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "4000"));
        assertTrue(e.getMessage().contains("outside 0..4000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "NaN"));
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "x"));
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase"));
    }
}
