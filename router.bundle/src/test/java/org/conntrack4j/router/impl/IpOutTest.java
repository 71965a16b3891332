package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;
import org.junit.jupiter.api.Test;

/** The forwarding path's rewrite of IPv4 options ({@code ip_forward_options}). */
class IpOutTest {
    private static final NetDevice WAN = new NetDevice("wan", 2, new byte[6], new byte[6], 1500,
        List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));

    /** A 20-byte header plus {@code options}, and 8 bytes of payload, with a correct header checksum. */
    private static Packet withOptions(int... options) {
        int ihl = 20 + options.length;
        byte[] b = new byte[ihl + 8];
        b[0] = (byte) (0x40 | ihl / 4);
        b[3] = (byte) b.length;
        b[8] = 63;
        b[9] = 17;
        for (int i = 0; i < options.length; i++) {
            b[20 + i] = (byte) options[i];
        }
        Packet p = new Packet();
        p.load(b, 0, b.length, 0);
        p.put16(10, Checksum.ipv4Header(p));
        return p;
    }

    @Test
    void recordRouteGetsTheOutgoingAddressInItsNextSlot() {
        // NOP, then record route with room for 2 addresses, the first filled by the sender
        Packet p = withOptions(1, 7, 11, 8, 198, 51, 100, 10, 0, 0, 0, 0, 0);
        IpOut.recordRoute(p, WAN);
        assertEquals(12, p.u8(23), "pointer moved on by one slot");
        assertEquals(0xcb007101, p.u32(28));
        assertEquals(0xc633640a, p.u32(24), "earlier slots are kept");
        assertEquals(Checksum.ipv4Header(p), p.u16(10));
    }

    @Test
    void fullRecordRouteAndOtherOptionsAreLeftAlone() {
        Packet full = withOptions(7, 7, 8, 198, 51, 100, 10, 0);
        int check = full.u16(10);
        IpOut.recordRoute(full, WAN);
        assertEquals(8, full.u8(22));
        assertEquals(check, full.u16(10));
        Packet alert = withOptions(148, 4, 0, 0);
        IpOut.recordRoute(alert, WAN);
        assertEquals(0x94040000, alert.u32(20));
    }

    @Test
    void truncatedOptionStopsTheWalk() {
        Packet p = withOptions(1, 7, 40, 4);
        IpOut.recordRoute(p, WAN);
        assertEquals(4, p.u8(23));
    }
}
