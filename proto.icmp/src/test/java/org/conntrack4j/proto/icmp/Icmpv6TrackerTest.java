package org.conntrack4j.proto.icmp;

import static org.conntrack4j.proto.icmp.IcmpPackets.addr;
import static org.conntrack4j.proto.icmp.IcmpPackets.concat;
import static org.conntrack4j.proto.icmp.IcmpPackets.echo6;
import static org.conntrack4j.proto.icmp.IcmpPackets.error6;
import static org.conntrack4j.proto.icmp.IcmpPackets.icmp6;
import static org.conntrack4j.proto.icmp.IcmpPackets.tcp6;
import static org.conntrack4j.proto.icmp.IcmpPackets.udp6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ICMPv6: query/reply connections, untracked discovery messages, validation, errors and redirects RELATED
 * to the connection they quote. A is a LAN host, B a server, M a router on the way, X another LAN host.
 */
class Icmpv6TrackerTest {
    private static final String A = "2001:db8:1::10";
    private static final String X = "2001:db8:1::11";
    private static final String B = "2001:db8:2::10";
    private static final String M = "2001:db8:2::fe";
    private static final String ROUTER_LL = "fe80::1";

    private final TestNet t = new TestNet();

    @AfterEach
    void close() {
        t.close();
    }

    // ---- queries and replies ------------------------------------------------------------------------------

    @Test
    void echoRequestIsNewAndItsReplyEstablishedReply() {
        assertEquals("new/original", t.forwardState(echo6(A, B, 128, 611, 1)));
        assertEquals("established/reply", t.forwardState(echo6(B, A, 129, 611, 1)));
        assertEquals("established/original", t.forwardState(echo6(A, B, 128, 611, 2)));
        assertEquals(List.of(
            "[NEW] ipv6 10 icmpv6 58 30 src=2001:db8:1::10 dst=2001:db8:2::10 type=128 code=0 id=611 [UNREPLIED] "
                + "src=2001:db8:2::10 dst=2001:db8:1::10 type=129 code=0 id=611",
            "[UPDATE] ipv6 10 icmpv6 58 30 src=2001:db8:1::10 dst=2001:db8:2::10 type=128 code=0 id=611 "
                + "src=2001:db8:2::10 dst=2001:db8:1::10 type=129 code=0 id=611"), t.events);
    }

    @Test
    void echoReplyWithoutRequestIsInvalidWithoutReason() {
        Packet p = t.forward(echo6(B, A, 129, 1, 1));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason);
        assertEquals(List.of(), t.table());
    }

    @Test
    void nodeInformationQueryAndReplyAreAConnection() {
        assertEquals("new/original", t.forwardState(icmp6(A, B, 64, 139, 0, 3 << 16, new byte[8])));
        assertEquals("established/reply", t.forwardState(icmp6(B, A, 64, 140, 0, 3 << 16, new byte[8])));
        assertEquals("invalid/none", t.forwardState(icmp6(B, A, 64, 140, 0, 4 << 16, new byte[8])));
    }

    @Test
    void informationalTypesWithoutReplyGetNoConnection() {
        for (int type : new int[] {137 + 1, 141, 142, 144, 145, 153, 200, 255}) {
            Packet p = t.forward(icmp6(A, B, 64, type, 0, 0, new byte[8]));
            assertEquals("invalid/none", TestNet.state(p), "type " + type);
            assertNull(p.logReason);
        }
        assertEquals(List.of(), t.table());
    }

    @Test
    void echoToAllNodesIsTrackedButAnswersFromMembersAreInvalid() {
        assertEquals("new/original", t.forwardState(echo6(A, "ff02::1", 128, 4, 1)));
        assertEquals("invalid/none", t.forwardState(echo6(X, A, 129, 4, 1)));
    }

    @Test
    void icmpv6InsideIpv4IsInvalidAsLinuxRefusesTheFamily() {
        byte[] ip = IcmpPackets.ipv4("198.51.100.10", "203.0.113.10", IcmpPackets.ICMPV6, 64,
            IcmpPackets.icmpMessage(128, 0, 7 << 16 | 1, new byte[8]));
        assertEquals("invalid/none", t.forwardState(ip));
        assertEquals(List.of(), t.table());
    }

    @Test
    void timeoutFollowsTheSetting() {
        t.net.settings().set("nf_conntrack_icmpv6_timeout", 7);
        t.forward(echo6(A, B, 128, 611, 1));
        assertTrue(t.table().get(0).startsWith("ipv6 10 icmpv6 58 7 "), t.table().toString());
        assertEquals(List.of(Icmpv6Tracker.TIMEOUT), t.icmpv6.settings());
        assertEquals(30, Icmpv6Tracker.TIMEOUT.defaultValue());
    }

    // ---- untracked discovery ----------------------------------------------------------------------------------

    @Test
    void neighbourSolicitationAndAdvertisementAreUntracked() {
        Packet ns = t.forward(icmp6("fe80::2", "ff02::1:ff00:10", 255, 135, 0, 0, addr(A)));
        assertEquals("untracked/none", TestNet.state(ns));
        assertEquals(CtInfo.UNTRACKED, ns.ctinfo);
        Packet na = t.forward(icmp6("fe80::10", "fe80::2", 255, 136, 0, 0x60000000, addr(A)));
        assertEquals("untracked/none", TestNet.state(na));
        assertNull(na.logReason);
        assertEquals(List.of(), t.table());
        assertEquals(List.of(), t.events);
    }

    @Test
    void routerAndMulticastDiscoveryAreUntracked() {
        for (int type : new int[] {130, 131, 132, 133, 134, 143, 151, 152}) {
            Packet p = t.forward(icmp6("fe80::2", "ff02::2", 255, type, 0, 0, new byte[16]));
            assertEquals("untracked/none", TestNet.state(p), "type " + type);
        }
        assertEquals(List.of(), t.table());
    }

    @Test
    void mldReportBehindHopByHopOptionsIsUntracked() {
        // Router alert option (RFC 2711) in a hop-by-hop header, as MLD uses it.
        byte[] hbh = {58, 0, 5, 2, 0, 0, 1, 0};
        byte[] report = IcmpPackets.icmpMessage(131, 0, 0, addr("ff02::1:3"));
        byte[] ip = IcmpPackets.ipv6("fe80::2", "ff02::1:3", 0, 1, concat(hbh, report), IcmpPackets.ICMPV6, 8);
        assertEquals("untracked/none", t.forwardState(ip));
    }

    @Test
    void solicitationTheRouterSendsIsUntrackedToo() {
        assertEquals("untracked/none",
            TestNet.state(t.output(icmp6(ROUTER_LL, "ff02::1:ff00:10", 255, 135, 0, 0, addr(A)))));
    }

    @Test
    void discoveryWithBadChecksumIsInvalidNotUntracked() {
        Packet p = t.forward(IcmpPackets.corrupt(icmp6("fe80::2", "ff02::1", 255, 135, 0, 0, addr(A)), 50));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("ICMPv6 checksum failed", p.logReason);
    }

    // ---- validation -----------------------------------------------------------------------------------------

    @Test
    void messageShorterThanAnIcmpv6HeaderIsShortPacket() {
        Packet p = t.forward(IcmpPackets.ipv6(A, B, IcmpPackets.ICMPV6, 64, new byte[] {(byte) 128, 0, 0, 0, 0, 0, 0}));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("short packet", p.logReason);
        assertEquals(58, p.logProto);
    }

    @Test
    void badChecksumIsInvalidAtPreroutingOnly() {
        byte[] bad = IcmpPackets.corrupt(echo6(A, B, 128, 611, 1), 50);
        Packet p = t.forward(bad);
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("ICMPv6 checksum failed", p.logReason);
        t.net.settings().set(CoreSettings.CHECKSUM, 0);
        assertEquals("new/original", t.forwardState(bad));
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    @Test
    void portUnreachableIsRelatedReplyOfTheUdpFlow() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        assertEquals("new/original", t.forwardState(datagram));
        Packet p = t.forward(error6(B, A, 1, 4, datagram));
        assertEquals("related/reply", TestNet.state(p));
        assertEquals(1, t.events.size());
    }

    @Test
    void packetTooBigFromARouterOnTheWayIsRelatedReplyOfTheTcpFlow() {
        byte[] segment = tcp6(A, 46000, B, 8081, 0x18);
        t.forward(segment);
        assertEquals("related/reply", t.forwardState(error6(M, A, 2, 0, 1280, segment, 1232)));
    }

    @Test
    void timeExceededAndParameterProblemAreRelated() {
        byte[] datagram = udp6(A, 46001, B, 33434);
        t.forward(datagram);
        assertEquals("related/reply", t.forwardState(error6(M, A, 3, 0, datagram)));
        assertEquals("related/reply", t.forwardState(error6(B, A, 4, 1, 40, datagram, 100)));
    }

    @Test
    void everyTypeBelow128IsTreatedAsAnError() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        t.forward(datagram);
        assertEquals("related/reply", t.forwardState(error6(B, A, 0, 0, datagram)));
        assertEquals("related/reply", t.forwardState(error6(B, A, 100, 0, datagram)));
        assertEquals("invalid/none", t.forwardState(error6(B, A, 127, 0, udp6(A, 1, B, 2))));
    }

    @Test
    void errorAboutAReplyPacketIsRelatedOriginal() {
        t.forward(udp6(A, 46001, B, 53));
        byte[] answer = udp6(B, 53, A, 46001);
        t.forward(answer);
        assertEquals("related/original", t.forwardState(error6(A, B, 1, 4, answer)));
    }

    @Test
    void errorQuotingAnEchoRequestIsRelatedReplyOfThePing() {
        byte[] ping = echo6(A, B, 128, 611, 1);
        t.forward(ping);
        assertEquals("related/reply", t.forwardState(error6(M, A, 3, 0, ping)));
    }

    @Test
    void errorSentToAThirdHostFailsTheAntiSpoofingCheck() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        t.forward(datagram);
        Packet p = t.forward(error6(B, X, 1, 4, datagram));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("outer daddr 2001:0db8:0001:0000:0000:0000:0000:0011 != inner "
            + "2001:0db8:0001:0000:0000:0000:0000:0010", p.logReason);
        assertEquals(58, p.logProto);
    }

    @Test
    void errorQuotingNoKnownConnectionIsInvalidWithoutReason() {
        Packet p = t.forward(error6(B, A, 1, 4, udp6(A, 46001, B, 5999)));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason);
    }

    @Test
    void errorQuotingAnErrorOrADiscoveryMessageIsInvalid() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        t.forward(datagram);
        byte[] first = error6(B, A, 1, 4, datagram);
        assertEquals("invalid/none", t.forwardState(error6(A, B, 1, 4, first)));
        byte[] ns = icmp6(A, B, 255, 135, 0, 0, addr(B));
        assertEquals("invalid/none", t.forwardState(error6(B, A, 1, 0, ns)));
    }

    @Test
    void truncatedQuotesAreInvalid() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        t.forward(datagram);
        assertEquals("invalid/none", t.forwardState(error6(B, A, 1, 4, 0, datagram, 39)), "IPv6 header cut");
        assertEquals("invalid/none", t.forwardState(error6(B, A, 1, 4, 0, datagram, 43)), "UDP ports cut");
        assertEquals("related/reply", t.forwardState(error6(B, A, 1, 4, 0, datagram, 44)));
        byte[] ping = echo6(A, B, 128, 611, 1);
        t.forward(ping);
        assertEquals("invalid/none", t.forwardState(error6(M, A, 3, 0, 0, ping, 47)), "ICMPv6 header cut");
    }

    @Test
    void errorQuotingAPacketWithExtensionHeadersFindsItsConnection() {
        byte[] dstopts = {17, 0, 1, 4, 0, 0, 0, 0};
        byte[] datagram = IcmpPackets.ipv6(A, B, 60, 64, concat(dstopts, IcmpPackets.udpHeader(46001, 5999, new byte[4])),
            IcmpPackets.UDP, 8);
        assertEquals("new/original", t.forwardState(datagram));
        assertEquals("related/reply", t.forwardState(error6(B, A, 1, 4, datagram)));
    }

    @Test
    void errorQuotingALaterFragmentIsInvalid() {
        byte[] datagram = udp6(A, 46001, B, 5999);
        t.forward(datagram);
        byte[] frag = {17, 0, 0, 8, 0, 0, 0, 1};
        byte[] fragment = IcmpPackets.ipv6(A, B, 44, 64, concat(frag, new byte[16]), -1, 0);
        assertEquals("invalid/none", t.forwardState(error6(B, A, 1, 4, fragment)));
    }

    // ---- redirects ---------------------------------------------------------------------------------------------

    /** A redirect (type 137) from {@code src} to A: reserved word, target, destination, then options. */
    private static byte[] redirect(String src, String dst, int hlim, int code, byte[] options) {
        return icmp6(src, dst, hlim, 137, code, 0, concat(addr(ROUTER_LL), addr(B), options));
    }

    /** The redirected header option (RFC 4861 4.6.3) quoting {@code packet}, padded to 8 bytes. */
    private static byte[] redirectedHeader(byte[] packet) {
        int len = (8 + packet.length + 7) / 8 * 8;
        byte[] opt = new byte[len];
        opt[0] = 4;
        opt[1] = (byte) (len / 8);
        System.arraycopy(packet, 0, opt, 8, packet.length);
        return opt;
    }

    @Test
    void redirectCarryingTheRedirectedPacketIsRelatedToItsConnection() {
        byte[] segment = tcp6(A, 46000, B, 8081, 0x02);
        t.forward(segment);
        assertEquals("related/reply", t.forwardState(redirect(ROUTER_LL, A, 255, 0, redirectedHeader(segment))));
    }

    @Test
    void redirectToALinkLocalDestinationFailsTheAntiSpoofingCheck() {
        byte[] segment = tcp6(A, 46000, B, 8081, 0x02);
        t.forward(segment);
        Packet p = t.forward(redirect(ROUTER_LL, "fe80::10", 255, 0, redirectedHeader(segment)));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("outer daddr fe80:0000:0000:0000:0000:0000:0000:0010 != inner "
            + "2001:0db8:0001:0000:0000:0000:0000:0010", p.logReason);
    }

    @Test
    void redirectFromAGlobalAddressOrWithLowHopLimitIsInvalid() {
        byte[] segment = tcp6(A, 46000, B, 8081, 0x02);
        t.forward(segment);
        byte[] options = redirectedHeader(segment);
        assertEquals("invalid saddr or hoplimit for redirect", t.forward(redirect(M, A, 255, 0, options)).logReason);
        assertEquals("invalid saddr or hoplimit for redirect",
            t.forward(redirect(ROUTER_LL, A, 254, 0, options)).logReason);
    }

    @Test
    void linkLocalSourcesAreThoseIpv6AddrTypeCallsLinkLocal() {
        // Unicast fe80::/10, and multicast of link scope (which ipv6_rcv drops as a source before conntrack).
        assertTrue(Icmpv6Tracker.linkLocal(0xfe80_0000_0000_0000L));
        assertTrue(Icmpv6Tracker.linkLocal(0xfebf_ffff_0000_0000L));
        assertFalse(Icmpv6Tracker.linkLocal(0xfec0_0000_0000_0000L));
        assertTrue(Icmpv6Tracker.linkLocal(0xff12_0000_0000_0000L));
        assertFalse(Icmpv6Tracker.linkLocal(0xff05_0000_0000_0000L));
        assertFalse(Icmpv6Tracker.linkLocal(0x2001_0db8_0000_0000L));
    }

    @Test
    void redirectShorterThanItsFixedPartIsShortRedirect() {
        byte[] ip = icmp6(ROUTER_LL, A, 255, 137, 0, 0, new byte[31]);
        assertEquals("short redirect", t.forward(ip).logReason);
    }

    @Test
    void redirectWithoutOptionsIsInvalid() {
        assertEquals("redirect without options", t.forward(redirect(ROUTER_LL, A, 255, 0, new byte[0])).logReason);
        assertEquals("redirect without options",
            t.forward(redirect(ROUTER_LL, A, 255, 0, new byte[] {4, 0, 0, 0, 0, 0, 0, 0})).logReason);
    }

    @Test
    void redirectWhoseFirstOptionIsNotTheRedirectedHeaderGetsNoConnection() {
        byte[] segment = tcp6(A, 46000, B, 8081, 0x02);
        t.forward(segment);
        byte[] targetLinkLayer = {2, 1, 2, 0, 0, 0, 0, 1};
        Packet p = t.forward(redirect(ROUTER_LL, A, 255, 0, concat(targetLinkLayer, redirectedHeader(segment))));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason);
    }

    @Test
    void redirectWithNonZeroCodeIsNotChecked() {
        Packet p = t.forward(redirect(M, A, 64, 1, new byte[0]));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason, "it goes to the lookup, where type 137 has no connection");
    }
}
