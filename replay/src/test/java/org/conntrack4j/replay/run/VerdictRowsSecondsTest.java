package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.conntrack4j.core.text.TextBuffer;
import org.junit.jupiter.api.Test;

/** The time column is written by hand as the replay first wrote it with {@code String.format}. */
class VerdictRowsSecondsTest {
    @Test
    void secondsAreTheOldFormat() {
        TextBuffer t = new TextBuffer(4);
        SplittableRandom r = new SplittableRandom(19);
        for (int i = 0; i < 100_000; i++) {
            long nanos = r.nextLong() >> r.nextInt(64);
            long us = nanos / 1000;
            String old = String.format("%d.%06d", us / 1_000_000, Math.abs(us % 1_000_000));
            assertEquals(old, VerdictRows.seconds(t.clear(), nanos).toString(), "nanos " + nanos);
        }
    }
}
