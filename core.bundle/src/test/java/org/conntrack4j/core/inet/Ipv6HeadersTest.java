package org.conntrack4j.core.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.junit.jupiter.api.Test;

/** The one IPv6 extension header walk, in its two kernel forms. */
class Ipv6HeadersTest {
    /** An IPv6 packet whose payload is {@code headers} (each {type-of-next, len, ...} as given) then 8 bytes of L4. */
    private static Packet v6(int first, int[]... headers) {
        int len = 40 + 8;
        for (int[] h : headers) {
            len += h.length;
        }
        Packet p = new Packet(len + 16);
        p.load(new byte[len], 0, len, 0);
        p.put8(0, 0x60);
        p.put16(4, len - 40);
        p.put8(6, first);
        int at = 40;
        for (int[] h : headers) {
            for (int b : h) {
                p.put8(at++, b);
            }
        }
        return p;
    }

    private static int[] opts(int next) {
        return new int[] {next, 0, 1, 4, 0, 0, 0, 0};
    }

    private static int[] frag(int next, int offset8) {
        return new int[] {next, 0, offset8 >>> 5, (offset8 << 3) & 0xf8, 0, 0, 0, 1};
    }

    @Test
    void skipWalksOptionsAndAFirstFragmentToTheTransportHeader() {
        long w = Ipv6Headers.skip(v6(IpProto.HOPOPTS, opts(IpProto.DSTOPTS), opts(IpProto.FRAGMENT),
            frag(IpProto.UDP, 0)), 40, IpProto.HOPOPTS);
        assertEquals(IpProto.UDP, Ipv6Headers.protocol(w));
        assertEquals(64, Ipv6Headers.offset(w));
        assertFalse(Ipv6Headers.isLaterFragment(w));
    }

    @Test
    void aLaterFragmentStopsEachWalkItsOwnWay() {
        Packet p = v6(IpProto.FRAGMENT, frag(IpProto.TCP, 100));
        long skip = Ipv6Headers.skip(p, 40, IpProto.FRAGMENT);
        assertEquals(IpProto.FRAGMENT, Ipv6Headers.protocol(skip), "ipv6_skip_exthdr: stops at the fragment header");
        assertEquals(40, Ipv6Headers.offset(skip));
        assertTrue(Ipv6Headers.isLaterFragment(skip));
        long find = Ipv6Headers.findTransport(p);
        assertEquals(IpProto.TCP, Ipv6Headers.protocol(find), "ipv6_find_hdr: the fragment header's next header");
        assertEquals(0, Ipv6Headers.offset(find));
        assertTrue(Ipv6Headers.isLaterFragment(find));
        assertEquals(Ipv6Headers.NONE, Ipv6Headers.findTransport(v6(IpProto.FRAGMENT, frag(IpProto.DSTOPTS, 100),
            opts(IpProto.UDP))), "a later fragment naming another extension header");
    }

    @Test
    void theAuthenticationHeaderIsSkippedOrTakenAsTransport() {
        Packet p = v6(IpProto.AH, new int[] {IpProto.UDP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        long skip = Ipv6Headers.skip(p, 40, IpProto.AH);
        assertEquals(IpProto.UDP, Ipv6Headers.protocol(skip));
        assertEquals(52, Ipv6Headers.offset(skip), "(1 + 2) * 4 bytes");
        long find = Ipv6Headers.findTransport(p);
        assertEquals(IpProto.AH, Ipv6Headers.protocol(find));
        assertEquals(40, Ipv6Headers.offset(find));
    }

    @Test
    void noNextHeaderAndCutOffHeaders() {
        Packet none = v6(IpProto.DSTOPTS, opts(IpProto.NONE));
        assertEquals(Ipv6Headers.NONE, Ipv6Headers.skip(none, 40, IpProto.DSTOPTS));
        assertEquals(IpProto.NONE, Ipv6Headers.protocol(Ipv6Headers.findTransport(none)));
        Packet cut = v6(IpProto.HOPOPTS);
        cut.trim(41);
        assertEquals(Ipv6Headers.NONE, Ipv6Headers.skip(cut, 40, IpProto.HOPOPTS));
        assertEquals(Ipv6Headers.NONE, Ipv6Headers.findTransport(cut));
    }
}
