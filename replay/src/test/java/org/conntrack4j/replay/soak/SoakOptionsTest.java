package org.conntrack4j.replay.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SoakOptionsTest {
    @Test
    void aMistypedOptionIsRefusedWithTheClosestOne() {
        assertEquals("unknown argument --minute (did you mean --minutes?)", assertThrows(IllegalArgumentException.class,
            () -> SoakCommand.parse("--minute", "3")).getMessage());
        assertEquals(3.0, SoakCommand.parse("--minutes", "3").minutes);
    }
}
