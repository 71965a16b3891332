package org.conntrack4j.helper.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TFTP helper through the engine, as {@code nf_conntrack_tftp} and {@code nf_nat_tftp} behave (kernel cases:
 * testdata/oracle/cases/tftp_*, testdata/recorded/tftp*): requests expect the server's answer from any port; the
 * answer is related, and behind masquerade follows the request's binding back to the client; everything else
 * passes unread; a request whose expectation is refused is dropped and counted.
 */
class TftpHelperTest {
    private static final String C = TftpLab.CLIENT;
    private static final String S = TftpLab.SERVER;

    private final TftpLab lab = new TftpLab();

    private static String expectation(String src, String dst, int dport, String masterSrc, int masterSport) {
        return "300 proto=17 src=" + src + " dst=" + dst + " sport=0 dport=" + dport
            + " mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=" + masterSrc
            + " master-dst=" + S + " sport=" + masterSport + " dport=69 class=0 helper=tftp";
    }

    @Test
    void aReadRequestExpectsTheServersAnswerFromAnyPortAndTheAnswerIsRelated() {
        TftpLab.Result rrq = lab.udp(C, 41069, S, 69, TftpLab.request(1, "a.bin"));
        assertEquals("new", rrq.state);
        assertEquals(Verdict.ACCEPT, rrq.verdict);
        assertEquals(List.of(expectation(S, C, 41069, C, 41069)), lab.expectations());
        TftpLab.Result data = lab.udp(S, 50009, C, 41069, new byte[] {0, 3, 0, 1, 'x'});
        assertEquals("related", data.state);
        assertSame(rrq.ct, data.ct.master());
        assertNull(data.ct.helper(), "the answer's connection is not helped");
        assertEquals(List.of(), lab.expectations());
        assertEquals("established", lab.udp(C, 41069, S, 50009, new byte[] {0, 4, 0, 1}).state);
        assertSame(lab.helper, rrq.ct.helper());
        assertEquals(Map.of("requests", 1L, "dropped", 0L), lab.helper.counters());
    }

    @Test
    void aWriteRequestExpectsTheSameOverIpv6() {
        lab.udp("2001:db8:1::10", 41070, "2001:db8:2::10", 69, TftpLab.request(2, "up.bin"));
        assertEquals(List.of("300 proto=17 src=2001:db8:2::10 dst=2001:db8:1::10 sport=0 dport=41070 "
            + "mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff mask-dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
            + "sport=0 dport=65535 master-src=2001:db8:1::10 master-dst=2001:db8:2::10 sport=41070 dport=69 class=0 "
            + "helper=tftp"), lab.expectations());
        assertEquals("related", lab.udp("2001:db8:2::10", 50000, "2001:db8:1::10", 41070, new byte[] {0, 4, 0, 0})
            .state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "0003", "0004", "0005", "0006", "0009", "ffff", "0100"})
    void datagramsWithoutARequestOpcodePassUnread(String hex) {
        byte[] payload = java.util.HexFormat.of().parseHex(hex);
        TftpLab.Result r = lab.udp(C, 41071, S, 69, payload.length == 1 ? new byte[] {0} : payload);
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(List.of(), lab.expectations());
        assertEquals(0L, lab.helper.counters().get("requests"));
    }

    @Test
    void everyDatagramOfTheMasterIsReadAndARepeatedRequestReplacesItsExpectation() {
        lab.udp(C, 41072, S, 69, TftpLab.request(1, "a"));
        lab.expectEvents.clear();
        lab.udp(C, 41072, S, 69, TftpLab.request(1, "a"));
        lab.udp(C, 41072, S, 69, TftpLab.request(2, "b"));
        // one expectation per master (max_expected 1): the identical one is replaced each time
        assertEquals(1, lab.expectations().size());
        assertEquals(4, lab.expectEvents.size(), lab.expectEvents.toString());
        assertTrue(lab.expectEvents.get(0).trim().startsWith("[DESTROY]"), lab.expectEvents.get(0));
        assertTrue(lab.expectEvents.get(1).trim().startsWith("[NEW]"), lab.expectEvents.get(1));
        // a request in the server's direction is read too, as the kernel reads both
        lab.udp(S, 69, C, 41072, TftpLab.request(1, "c"));
        assertEquals(List.of("300 proto=17 src=203.0.113.10 dst=198.51.100.10 sport=0 dport=41072 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=41072 dport=69 class=0 helper=tftp"), lab.expectations());
        assertEquals(4L, lab.helper.counters().get("requests"));
    }

    @Test
    void aRequestWhoseExpectationClashesWithAnotherMastersIsDropped() {
        lab.helpedPorts = java.util.Set.of(69, 6969);
        lab.udp(C, 41073, S, 69, TftpLab.request(1, "a"));
        // another master expecting the very same answer (server, any port, to the client's port)
        TftpLab.Result r = lab.udp(C, 41073, S, 6969, TftpLab.request(1, "a"));
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_tftp: dropping packet: cannot add expectation", r.reason);
        assertEquals(1, lab.expectations().size());
        assertEquals(Map.of("requests", 2L, "dropped", 1L), lab.helper.counters());
    }

    @Test
    void aFullExpectationTableDropsTheRequest() {
        lab.net.settings().set("nf_conntrack_expect_max", 2);
        for (int port = 41100; port < 41102; port++) {
            assertEquals(Verdict.ACCEPT, lab.udp(C, port, S, 69, TftpLab.request(1, "f")).verdict);
        }
        TftpLab.Result r = lab.udp(C, 41102, S, 69, TftpLab.request(1, "f"));
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_tftp: dropping packet: cannot add expectation", r.reason);
        assertEquals(2, lab.expectations().size());
    }

    @Test
    void behindMasqueradeTheAnswerFollowsTheRequestsBindingBackToTheClient() {
        lab.masquerade();
        TftpLab.Result rrq = lab.udp(C, 41074, S, 69, TftpLab.request(1, "a"));
        assertEquals(TftpLab.ROUTER, ip(rrq.out, 12));
        assertEquals(List.of(expectation(S, TftpLab.ROUTER, 41074, C, 41074)), lab.expectations());
        TftpLab.Result data = lab.udp(S, 50009, TftpLab.ROUTER, 41074, new byte[] {0, 3, 0, 1, 'x'});
        assertEquals("related", data.state);
        assertEquals(C, ip(data.out, 16), "translated back to the client");
        assertEquals(41074, data.out.u16(22));
        assertEquals(S, ip(data.out, 12), "from the server as it is");
        assertEquals(50009, data.out.u16(20));
        assertEquals("expected by " + Integer.toUnsignedString(rrq.ct.id()),
            lab.net.services().extension(org.conntrack4j.core.nat.Nat.class).origin(data.ct, 1));
        assertEquals(41074, data.ct.srcPort(Direction.REPLY));
    }

    @Test
    void aDetachedHelperReadsNothingMore() {
        TftpLab.Result rrq = lab.udp(C, 41075, S, 69, TftpLab.request(1, "a"));
        lab.helperRegistration.close();
        assertEquals(List.of(), lab.expectations(), "its expectations go with it");
        assertNull(rrq.ct.helper());
        assertEquals(Verdict.ACCEPT, lab.udp(C, 41075, S, 69, TftpLab.request(1, "a")).verdict);
        assertEquals(List.of(), lab.expectations());
        assertEquals("new", lab.udp(S, 50009, C, 41075, new byte[] {0, 3, 0, 1}).state, "no longer expected");
    }

    private static String ip(org.conntrack4j.core.api.Packet p, int off) {
        return org.conntrack4j.core.inet.Addr.toText(4, 0, p.u32(off) & 0xffffffffL);
    }
}
