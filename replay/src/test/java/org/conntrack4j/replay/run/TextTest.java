package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-made number formats write what the JDK's would. */
class TextTest {
    private static final long[] EDGES = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000,
        9999999, 10000000, 99999999, 100000000, 999999999, 1000000000, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
        4294967295L, Long.MAX_VALUE, -1, -10, Integer.MIN_VALUE, Long.MIN_VALUE};

    @Test
    void decimalsAreLongToString() {
        Text t = new Text(4);
        for (long v : EDGES) {
            assertEquals(Long.toString(v), t.clear().dec(v).toString());
        }
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >> r.nextInt(64);
            assertEquals(Long.toString(v), t.clear().dec(v).toString());
        }
    }

    @Test
    void secondsAreTheOldFormat() {
        Text t = new Text(4);
        SplittableRandom r = new SplittableRandom(19);
        for (int i = 0; i < 100_000; i++) {
            long nanos = r.nextLong() >> r.nextInt(64);
            long us = nanos / 1000;
            String old = String.format("%d.%06d", us / 1_000_000, Math.abs(us % 1_000_000));
            assertEquals(old, t.clear().seconds(nanos).toString(), "nanos " + nanos);
        }
    }

    @Test
    void hexAndAddresses() {
        Text t = new Text(4);
        assertEquals("0a0b0c0d ff", t.clear().hex(0x0a0b0c0dL, 8).ch(' ').hex(0x1ff, 2).toString());
        assertEquals("198.51.100.255", t.clear().ipv4(new byte[] {(byte) 198, 51, 100, (byte) 255}, 0).toString());
        assertEquals("é\t?", t.clear().str("é\t\ud800").toString());
    }
}
