package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.concat;
import static org.conntrack4j.rules.eval.Lab.ext8;
import static org.conntrack4j.rules.eval.Lab.fragHdr;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** nft's own view of the transport header (nft_set_pktinfo_ipv4 / ipv6, ipv6_find_hdr). */
class PktInfoTest {
    private static final String A6 = "2001:db8:1::7";
    private static final String B6 = "2001:db8:2::10";

    @Test
    void ipv4TakesProtocolAndHeaderLengthAndFlagsLaterFragments() {
        assertEquals(PktInfo.of(17, 20, false), PktInfo.compute(v4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, 0))));
        assertEquals(PktInfo.of(17, 20, false), PktInfo.compute(v4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, 8), 0x2000)),
            "first fragment: ports are there");
        assertEquals(PktInfo.of(17, 20, true), PktInfo.compute(v4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, 8), 0x0001)));
    }

    @Test
    void ipv6WalksExtensionHeaders() {
        byte[] l4 = udp(1, 2, 0);
        assertEquals(PktInfo.of(17, 40, false), PktInfo.compute(v6(A6, B6, 17, l4)));
        assertEquals(PktInfo.of(17, 56, false),
            PktInfo.compute(v6(A6, B6, 0, concat(ext8(60), ext8(17), l4), 56, 17)), "hop-by-hop, destination options");
        assertEquals(PktInfo.of(17, 56, false),
            PktInfo.compute(v6(A6, B6, 43, concat(ext8(44), fragHdr(17, 0, true), l4), 56, 17)),
            "routing, first fragment");
        assertEquals(PktInfo.of(17, 0, true),
            PktInfo.compute(v6(A6, B6, 44, concat(fragHdr(17, 5, false), l4), -1, 17)),
            "a later fragment: its protocol, no offset");
        assertEquals(PktInfo.UNSPEC, PktInfo.compute(v6(A6, B6, 44, concat(fragHdr(60, 5, false), ext8(17), l4), -1,
            17)), "a later fragment starting with another extension header");
        assertEquals(PktInfo.of(51, 40, false), PktInfo.compute(v6(A6, B6, 51, concat(ext8(17), l4), -1, 17)),
            "the authentication header counts as the transport header");
        assertEquals(PktInfo.of(59, 48, false), PktInfo.compute(v6(A6, B6, 0, ext8(59), -1, 59)), "no next header");
    }

    @Test
    void ipv6ExtensionHeaderCutOffLeavesTheProtocolUnknown() {
        assertEquals(PktInfo.UNSPEC, PktInfo.compute(v6(A6, B6, 0, new byte[1], -1, 17)));
    }

    @Test
    void ipv6ExtensionHeaderLongerThanThePacketMovesTheOffsetPastIt() {
        // ipv6_find_hdr reads each header's first bytes only: the protocol after a header claiming too many bytes
        // is reported with an offset past the end, where a header match then finds nothing.
        byte[] longOpts = ext8(17);
        longOpts[1] = 4; // claims 40 bytes
        assertEquals(PktInfo.of(17, 80, false), PktInfo.compute(v6(A6, B6, 60, concat(longOpts, udp(1, 2, 0)), -1, 17)));
    }
}
