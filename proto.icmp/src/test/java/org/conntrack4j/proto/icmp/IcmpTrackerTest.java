package org.conntrack4j.proto.icmp;

import static org.conntrack4j.proto.icmp.IcmpPackets.echo4;
import static org.conntrack4j.proto.icmp.IcmpPackets.error4;
import static org.conntrack4j.proto.icmp.IcmpPackets.query4;
import static org.conntrack4j.proto.icmp.IcmpPackets.tcp4;
import static org.conntrack4j.proto.icmp.IcmpPackets.udp4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Stats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ICMP over IPv4: query/reply connections, validation, and errors RELATED to the connection they quote.
 * A is a LAN client, B a server beyond the router, M a router on the way to B, X another LAN host.
 */
class IcmpTrackerTest {
    private static final String A = "198.51.100.10";
    private static final String X = "198.51.100.11";
    private static final String B = "203.0.113.10";
    private static final String M = "203.0.113.254";
    private static final String ROUTER = "203.0.113.1";

    private final TestNet t = new TestNet();

    @AfterEach
    void close() {
        t.close();
    }

    private String echoFlow() {
        assertEquals("new/original", t.forwardState(echo4(A, B, 8, 7, 1)));
        return t.forwardState(echo4(B, A, 0, 7, 1));
    }

    // ---- queries and replies ------------------------------------------------------------------------------

    @Test
    void echoRequestIsNewAndItsReplyEstablishedReply() {
        assertEquals("established/reply", echoFlow());
        assertEquals(List.of(
            "[NEW] ipv4 2 icmp 1 30 src=198.51.100.10 dst=203.0.113.10 type=8 code=0 id=7 [UNREPLIED] "
                + "src=203.0.113.10 dst=198.51.100.10 type=0 code=0 id=7",
            "[UPDATE] ipv4 2 icmp 1 30 src=198.51.100.10 dst=203.0.113.10 type=8 code=0 id=7 "
                + "src=203.0.113.10 dst=198.51.100.10 type=0 code=0 id=7"), t.events);
        assertEquals(List.of("ipv4 2 icmp 1 30 src=198.51.100.10 dst=203.0.113.10 type=8 code=0 id=7 "
            + "src=203.0.113.10 dst=198.51.100.10 type=0 code=0 id=7 mark=0"), t.table());
    }

    @Test
    void laterRequestsAreEstablishedAndRepliesSendNoFurtherEvent() {
        echoFlow();
        assertEquals("established/original", t.forwardState(echo4(A, B, 8, 7, 2)));
        assertEquals("established/reply", t.forwardState(echo4(B, A, 0, 7, 2)));
        assertEquals(2, t.events.size());
    }

    @Test
    void requestsWithAnotherIdentifierAreAnotherConnection() {
        echoFlow();
        assertEquals("new/original", t.forwardState(echo4(A, B, 8, 8, 1)));
        assertEquals(2, t.table().size());
    }

    @Test
    void echoReplyWithoutRequestIsInvalidWithoutReason() {
        Packet p = t.forward(echo4(B, A, 0, 16963, 1));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason, "Linux only debug-prints a reply that cannot open a connection");
        assertEquals(List.of(), t.table());
        assertEquals(List.of(), t.events);
    }

    @Test
    void unrepliedEchoStaysNewAndUnreplied() {
        assertEquals("new/original", t.forwardState(echo4(A, B, 8, 7, 1)));
        assertEquals("new/original", t.forwardState(echo4(A, B, 8, 7, 2)));
        assertEquals(List.of("ipv4 2 icmp 1 30 src=198.51.100.10 dst=203.0.113.10 type=8 code=0 id=7 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.10 type=0 code=0 id=7 mark=0"), t.table());
    }

    @Test
    void timestampRequestAndReplyAreAConnection() {
        assertEquals("new/original", t.forwardState(query4(A, B, 13, 0, 99)));
        assertEquals("established/reply", t.forwardState(query4(B, A, 14, 0, 99)));
        assertTrue(t.table().get(0).contains("type=13 code=0 id=99 src=203.0.113.10 dst=198.51.100.10 type=14 code=0"));
    }

    @Test
    void informationRequestAndReplyAreAConnection() {
        assertEquals("new/original", t.forwardState(query4(A, B, 15, 0, 5)));
        assertEquals("established/reply", t.forwardState(query4(B, A, 16, 0, 5)));
    }

    @Test
    void addressMaskRequestAndReplyAreAConnection() {
        assertEquals("new/original", t.forwardState(query4(A, B, 17, 0, 5)));
        assertEquals("established/reply", t.forwardState(query4(B, A, 18, 0, 5)));
    }

    @Test
    void repliesOfEveryQueryTypeCannotOpenAConnection() {
        for (int reply : new int[] {0, 14, 16, 18}) {
            assertEquals("invalid/none", t.forwardState(query4(B, A, reply, 0, 1)), "type " + reply);
        }
        assertEquals(List.of(), t.table());
    }

    @Test
    void replyWithAnotherCodeDoesNotMatchTheQuery() {
        assertEquals("new/original", t.forwardState(query4(A, B, 8, 0, 3)));
        assertEquals("invalid/none", t.forwardState(query4(B, A, 0, 1, 3)));
    }

    @Test
    void messagesWithoutReplyGetNoConnection() {
        // router advertisement and solicitation, and the unassigned types below 19
        for (int type : new int[] {1, 2, 6, 7, 9, 10}) {
            Packet p = t.forward(query4(A, B, type, 0, 1));
            assertEquals("invalid/none", TestNet.state(p), "type " + type);
            assertNull(p.logReason);
        }
        assertEquals(List.of(), t.table());
    }

    @Test
    void typesAboveEighteenAreInvalidWithReason() {
        Packet p = t.forward(query4(A, B, 19, 0, 1));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("invalid icmp type", p.logReason);
        assertEquals(1, p.logProto);
        assertEquals("invalid icmp type", t.forward(query4(A, B, 255, 0, 1)).logReason);
    }

    @Test
    void echoToMulticastIsTrackedButAnswersFromMembersAreInvalid() {
        assertEquals("new/original", t.forwardState(echo4(A, "224.0.0.1", 8, 4, 1)));
        // The reply comes from a member's own address, so it matches no reply tuple, and a reply cannot open one.
        assertEquals("invalid/none", t.forwardState(echo4(B, A, 0, 4, 1)));
    }

    // ---- validation -----------------------------------------------------------------------------------------

    @Test
    void messageShorterThanAnIcmpHeaderIsShortPacket() {
        byte[] ip = IcmpPackets.ipv4(A, B, IcmpPackets.ICMP, 64, new byte[] {8, 0, (byte) 0xf7, (byte) 0xff, 0, 0, 0});
        Packet p = t.forward(ip);
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("short packet", p.logReason);
    }

    @Test
    void badChecksumIsInvalidAtPrerouting() {
        Packet p = t.forward(IcmpPackets.corrupt(echo4(A, B, 8, 7, 1), 30));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("bad hw icmp checksum", p.logReason);
        assertEquals(List.of(), t.table());
    }

    @Test
    void badChecksumIsAcceptedWhenChecksumsAreNotVerified() {
        t.net.settings().set(CoreSettings.CHECKSUM, 0);
        assertEquals("new/original", t.forwardState(IcmpPackets.corrupt(echo4(A, B, 8, 7, 1), 30)));
    }

    @Test
    void locallyGeneratedPacketsAreNotChecksummed() {
        assertEquals("new/original", TestNet.state(t.output(IcmpPackets.corrupt(echo4(ROUTER, B, 8, 7, 1), 30))));
    }

    @Test
    void reasonIsSetButNotLoggedWhenLoggingIsOff() {
        t.net.settings().set(CoreSettings.LOG_INVALID, 0);
        Packet p = t.forward(query4(A, B, 30, 0, 1));
        assertEquals("invalid icmp type", p.reason);
        assertNull(p.logReason);
    }

    @Test
    void icmpInsideIpv6IsInvalidAsLinuxRefusesTheFamily() {
        byte[] ip = IcmpPackets.ipv6("2001:db8:1::10", "2001:db8:2::10", IcmpPackets.ICMP, 64,
            IcmpPackets.icmpMessage(8, 0, 7 << 16 | 1, new byte[8]));
        assertEquals("invalid/none", t.forwardState(ip));
        assertEquals(List.of(), t.table());
    }

    // ---- timeouts ----------------------------------------------------------------------------------------------

    @Test
    void everyPacketRefreshesTheConfiguredTimeout() {
        t.net.settings().set("nf_conntrack_icmp_timeout", 10);
        echoFlow();
        t.advance(8);
        assertEquals("established/original", t.forwardState(echo4(A, B, 8, 7, 2)));
        t.advance(8);
        assertTrue(t.table().get(0).startsWith("ipv4 2 icmp 1 2 "), t.table().toString());
        t.advance(2.1);
        assertEquals(List.of(), t.table());
        assertEquals("invalid/none", t.forwardState(echo4(B, A, 0, 7, 2)), "the expired connection is gone");
    }

    @Test
    void timeoutSettingIsListedWithItsKernelDefault() {
        assertEquals(List.of(IcmpTracker.TIMEOUT), t.icmp.settings());
        assertEquals("nf_conntrack_icmp_timeout", IcmpTracker.TIMEOUT.name());
        assertEquals(30, t.net.settings().get("net.netfilter.nf_conntrack_icmp_timeout"));
        assertEquals(30L, t.net.settings().active().get("nf_conntrack_icmp_timeout"));
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    @Test
    void portUnreachableFromTheServerIsRelatedReplyOfTheUdpFlow() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        assertEquals("new/original", t.forwardState(datagram));
        Packet p = t.forward(error4(B, A, 3, 3, datagram));
        assertEquals("related/reply", TestNet.state(p));
        assertEquals(17, p.ct.protocol());
        assertEquals(1, t.events.size(), "a RELATED error causes no event");
        assertTrue(t.table().get(0).contains("[UNREPLIED]"), "the error is not a reply of the flow");
    }

    @Test
    void errorDoesNotRefreshTheConnection() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        t.advance(20);
        t.forward(error4(B, A, 3, 3, datagram));
        assertTrue(t.table().get(0).startsWith("ipv4 2 udp 17 10 "), t.table().toString());
    }

    @Test
    void timeExceededFromARouterOnTheWayIsRelatedReply() {
        byte[] datagram = udp4(A, 33434, B, 33435);
        t.forward(datagram);
        assertEquals("related/reply", t.forwardState(error4(M, A, 11, 0, datagram)));
    }

    @Test
    void fragmentationNeededForATcpFlowIsRelatedReply() {
        byte[] syn = tcp4(A, 41000, B, 80, 0x02);
        t.forward(syn);
        Packet p = t.forward(error4(M, A, 3, 4, 1400, syn, 48));
        assertEquals("related/reply", TestNet.state(p));
        assertEquals(6, p.ct.protocol());
    }

    @Test
    void parameterProblemForATcpFlowIsRelatedReply() {
        byte[] syn = tcp4(A, 41000, B, 80, 0x02);
        t.forward(syn);
        assertEquals("related/reply", t.forwardState(error4(B, A, 12, 0, 20 << 24, syn, 48)));
    }

    @Test
    void redirectAndSourceQuenchAreErrorsToo() {
        byte[] syn = tcp4(A, 41000, B, 80, 0x02);
        t.forward(syn);
        assertEquals("related/reply", t.forwardState(error4(M, A, 5, 1, 0xcb007101, syn, 28)));
        assertEquals("related/reply", t.forwardState(error4(B, A, 4, 0, syn)));
    }

    @Test
    void errorAboutAReplyPacketIsRelatedOriginal() {
        byte[] request = udp4(A, 42000, B, 53);
        t.forward(request);
        byte[] answer = udp4(B, 53, A, 42000);
        t.forward(answer);
        // A no longer listens: its port unreachable travels in the connection's original direction.
        assertEquals("related/original", t.forwardState(error4(A, B, 3, 3, answer)));
    }

    @Test
    void errorQuotingAnEchoRequestIsRelatedReplyOfThePing() {
        byte[] ping = echo4(A, B, 8, 7, 1);
        t.forward(ping);
        Packet p = t.forward(error4(M, A, 11, 0, ping));
        assertEquals("related/reply", TestNet.state(p));
        assertEquals(1, p.ct.protocol());
    }

    @Test
    void errorSentToAThirdHostFailsTheAntiSpoofingCheck() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        // B quotes A's datagram but sends the error to X: passing it as RELATED would let B reach X.
        Packet p = t.forward(error4(B, X, 3, 3, datagram));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("outer daddr 198.51.100.11 != inner 198.51.100.10", p.logReason);
        assertEquals(1, p.logProto);
    }

    @Test
    void errorQuotingNoKnownConnectionIsInvalidWithoutReason() {
        t.forward(udp4(A, 42000, B, 5999));
        Packet p = t.forward(error4(B, A, 3, 3, udp4(A, 42007, B, 6006)));
        assertEquals("invalid/none", TestNet.state(p));
        assertNull(p.logReason);
        assertEquals(1, t.table().size(), "an error never creates a connection");
    }

    @Test
    void errorQuotingAnErrorIsInvalid() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        byte[] first = error4(B, A, 3, 3, datagram);
        assertEquals("invalid/none", t.forwardState(error4(A, B, 3, 3, 0, first, 576)));
    }

    @Test
    void truncatedQuotesAreInvalid() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        byte[] ping = echo4(A, B, 8, 7, 1);
        t.forward(datagram);
        t.forward(ping);
        assertEquals("invalid/none", t.forwardState(error4(B, A, 3, 3, 0, datagram, 19)), "IP header cut");
        assertEquals("invalid/none", t.forwardState(error4(B, A, 3, 3, 0, datagram, 20)), "no UDP header");
        assertEquals("invalid/none", t.forwardState(error4(B, A, 3, 3, 0, datagram, 23)), "UDP ports cut");
        assertEquals("related/reply", t.forwardState(error4(B, A, 3, 3, 0, datagram, 24)), "ports are enough");
        assertEquals("invalid/none", t.forwardState(error4(M, A, 11, 0, 0, ping, 27)), "ICMP header cut");
        assertEquals("related/reply", t.forwardState(error4(M, A, 11, 0, 0, ping, 28)));
        assertEquals("invalid/none", t.forwardState(error4(M, A, 11, 0, 0, new byte[0], 0)), "nothing quoted");
    }

    @Test
    void errorQuotingANonFirstFragmentIsInvalid() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        byte[] fragment = datagram.clone();
        fragment[6] = 0x20;
        fragment[7] = 0x10;
        assertEquals("invalid/none", t.forwardState(error4(B, A, 3, 3, fragment)));
    }

    @Test
    void errorWithBadChecksumIsInvalidBeforeTheLookup() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        Packet p = t.forward(IcmpPackets.corrupt(error4(B, A, 3, 3, datagram), 30));
        assertEquals("invalid/none", TestNet.state(p));
        assertEquals("bad hw icmp checksum", p.logReason);
    }

    @Test
    void errorTheRouterSendsIsRelatedOnTheOutputPath() {
        byte[] big = udp4(A, 42000, B, 5999);
        t.forward(big);
        // The router's own fragmentation-needed, back to A.
        Packet p = t.output(error4("198.51.100.1", A, 3, 4, 600, big, 28));
        assertEquals("related/reply", TestNet.state(p));
    }

    @Test
    void refusedErrorsCountAsErrorsAndLoneRepliesAsInvalid() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        t.forward(datagram);
        t.forward(error4(B, A, 3, 3, datagram));
        assertEquals(0, t.net.stats().get(Stats.ERROR), "a RELATED error is no error");
        t.forward(error4(B, A, 3, 3, udp4(A, 1, B, 2)));
        t.forward(echo4(B, A, 0, 1, 1));
        assertEquals(1, t.net.stats().get(Stats.ERROR), "refused by the error handler");
        assertEquals(1, t.net.stats().get(Stats.INVALID), "refused by packet()");
    }

    @Test
    void errorIsAttachedToTheSameConnectionObject() {
        byte[] datagram = udp4(A, 42000, B, 5999);
        Packet first = t.forward(datagram);
        Connection ct = first.ct;
        assertSame(ct, t.forward(error4(B, A, 3, 3, datagram)).ct);
    }

    @Test
    void echoToTheRouterIsAnsweredOnTheOutputPath() {
        Packet request = t.input(echo4(A, "198.51.100.1", 8, 9, 1));
        assertEquals("new/original", TestNet.state(request));
        Packet reply = t.output(echo4("198.51.100.1", A, 0, 9, 1));
        assertEquals("established/reply", TestNet.state(reply));
        assertEquals(2, t.events.size());
        assertTrue(t.events.get(1).startsWith("[UPDATE] ipv4 2 icmp 1 30 src=198.51.100.10 dst=198.51.100.1"));
    }
}
