package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.Family;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AddrTest {
    @Test
    void ipv4RoundTrips() {
        int a = Addr.parseV4("198.51.100.10");
        assertEquals("198.51.100.10", Addr.toText(Family.IPV4, 0, a & 0xffffffffL));
        assertEquals("255.255.255.255", Addr.toText(Family.IPV4, 0, 0xffffffffL));
    }

    @Test
    void ipv6IsPrintedCompressedAsInetNtop() {
        long[] a = Addr.parseV6("2001:db8:1::10");
        assertEquals(0x20010db800010000L, a[0]);
        assertEquals(0x10L, a[1]);
        assertEquals("2001:db8:1::10", Addr.toText(Family.IPV6, a[0], a[1]));
        assertEquals("::", Addr.toText(Family.IPV6, 0, 0));
        assertEquals("::1", Addr.toText(Family.IPV6, 0, 1));
        assertEquals("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Addr.toText(Family.IPV6, -1L, -1L));
        long[] b = Addr.parseV6("2001:0:0:1:0:0:0:1");
        assertEquals("2001:0:0:1::1", Addr.toText(Family.IPV6, b[0], b[1]), "the longest zero run is compressed");
        long[] c = Addr.parseV6("2001:db8:0:1:1:1:1:1");
        assertEquals("2001:db8:0:1:1:1:1:1", Addr.toText(Family.IPV6, c[0], c[1]), "a single zero group is not");
        long[] m = Addr.parseV6("::ffff:198.51.100.1");
        assertEquals("::ffff:198.51.100.1", Addr.toText(Family.IPV6, m[0], m[1]));
    }

    @Test
    void malformedAddressesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV4("1.2.3"));
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV4("1.2.3.256"));
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV4("1.2.3.x"));
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV6("1::2::3"));
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV6("12345::"));
        assertThrows(IllegalArgumentException.class, () -> Addr.parseV6("1:2:3:4:5:6:7"));
        assertArrayEquals(new long[] {0, 0}, Addr.parseV6("::"));
    }
}
