package org.conntrack4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-made number formats write what the JDK's would. */
class TextBufferTest {
    private static final long[] EDGES = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000,
        9999999, 10000000, 99999999, 100000000, 999999999, 1000000000, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
        4294967295L, Long.MAX_VALUE, -1, -10, Integer.MIN_VALUE, Long.MIN_VALUE};

    @Test
    void decimalsAreLongToString() {
        TextBuffer t = new TextBuffer(4);
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
    void unsignedAndPaddedNumbers() {
        TextBuffer t = new TextBuffer(4);
        SplittableRandom r = new SplittableRandom(19);
        for (int i = 0; i < 100_000; i++) {
            int v = r.nextInt() >> r.nextInt(32);
            assertEquals(Integer.toUnsignedString(v), t.clear().decUnsigned(v).toString());
            assertEquals(Integer.toHexString(v), t.clear().hex(v).toString());
            int small = Math.floorMod(v, 1_000_000);
            assertEquals(String.format("%06d", small), t.clear().zeroPadded(small, 6).toString());
        }
        assertEquals("0", t.clear().hex(0).toString());
        assertEquals("ab   |", t.clear().str("ab").spacesTo(5).ch('|').toString());
        assertEquals("abcdef", t.clear().str("abcdef").spacesTo(3).toString());
    }

    @Test
    void hexAndAddresses() {
        TextBuffer t = new TextBuffer(4);
        assertEquals("0a0b0c0d ff", t.clear().hex(0x0a0b0c0dL, 8).ch(' ').hex(0x1ff, 2).toString());
        assertEquals("198.51.100.255", t.clear().ipv4(new byte[] {(byte) 198, 51, 100, (byte) 255}, 0).toString());
        assertEquals("255.0.10.1", t.clear().ipv4(0xff000a01).toString());
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 10_000; i++) {
            int a = r.nextInt();
            String dotted = (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
            assertEquals("x" + dotted, t.clear().ch('x').ipv4(a).toString());
        }
        assertEquals("é", t.clear().ch('é').toString());
        assertEquals("é\t?", t.clear().str("é\t\ud800").toString());
    }
}
