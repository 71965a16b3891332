package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * SCTP behind NAT ({@code sctp_manip_pkt}): the port rewritten and the CRC32c recomputed over the whole packet, ports
 * allocated as for TCP and UDP, replies translated back, and invalid packets (no connection) left as they came.
 */
class SctpNatTest {
    private static final String C1 = "198.51.100.10";
    private static final String C2 = "198.51.100.11";
    private static final String LSRV = "198.51.100.20";
    private static final String S = "203.0.113.10";
    private static final String WCLI = "203.0.113.30";
    private static final String R = "203.0.113.1";
    private static final int CTAG = 0x1a2b3c4d;
    private static final int STAG = 0x5e6f7081;
    private static final int INIT = 1;
    private static final int INIT_ACK = 2;
    private static final int DATA = 0;

    private final NatRig rig = new NatRig();

    private static byte[] data() {
        return Pkts.chunk(DATA, 3, new byte[] {0, 0, 3, (byte) 232, 0, 0, 0, 0, 0, 0, 0, 0, 'h', 'i'});
    }

    @Test
    void masqueradeKeepsTheSourcePort_recomputesTheCrc_andTranslatesTheReplyBack() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd f = rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        assertEquals("new/original", f.state());
        assertEquals(R, Pkts.src(f.bytes));
        assertEquals(40001, Pkts.sport(f.bytes));
        assertTrue(Pkts.ipHeaderOk(f.bytes) && Pkts.l4Ok(f.bytes), "CRC32c of the rewritten packet");
        assertEquals("ipv4     2 sctp     132 10 CLOSED src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868 "
            + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=3868 dport=40001 mark=0 use=1", rig.line(f.ct));

        NatRig.Fwd r = rig.forward(Pkts.sctp(S, 3868, R, 40001, CTAG, Pkts.init(INIT_ACK, STAG)), rig.wan);
        assertEquals("established/reply", r.state());
        assertEquals(C1, Pkts.dst(r.bytes));
        assertEquals(40001, Pkts.dport(r.bytes));
        assertTrue(Pkts.l4Ok(r.bytes));
    }

    @Test
    void aSecondAssociationFromTheSamePort_getsAnotherPortForItsWholeLife() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        NatRig.Fwd b = rig.forward(Pkts.sctp(C2, 40001, S, 3868, 0, Pkts.init(INIT, CTAG + 1)), rig.lan);
        int port = Pkts.sport(b.bytes);
        assertNotEquals(40001, port);
        assertTrue(port >= 1024 && port <= 65535, "port " + port);
        assertEquals(port, b.ct.dstPort(Direction.REPLY));
        assertTrue(Pkts.l4Ok(b.bytes));
        NatRig.Fwd ack = rig.forward(Pkts.sctp(S, 3868, R, port, CTAG + 1, Pkts.init(INIT_ACK, STAG)), rig.wan);
        assertEquals("established/reply", ack.state());
        assertEquals(C2, Pkts.dst(ack.bytes));
        assertEquals(40001, Pkts.dport(ack.bytes));
        NatRig.Fwd d = rig.forward(Pkts.sctp(C2, 40001, S, 3868, STAG, data()), rig.lan);
        assertEquals(port, Pkts.sport(d.bytes));
        assertTrue(Pkts.l4Ok(d.bytes));
    }

    @Test
    void snatToAPortRange_picksAnSctpPortInIt() {
        rig.snat("wan", NatRig.to4(R, 20000, 20009, NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED));
        NatRig.Fwd f = rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        int port = Pkts.sport(f.bytes);
        assertTrue(port >= 20000 && port <= 20009, "port " + port);
        assertTrue(Pkts.l4Ok(f.bytes));
    }

    @Test
    void dnatRewritesAddressAndPort_andTheReplyComesFromThePublishedOnes() {
        rig.dnat("wan", NatRig.to4(LSRV, 3869, 3869, NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED));
        NatRig.Fwd f = rig.forward(Pkts.sctp(WCLI, 41868, R, 3868, 0, Pkts.init(INIT, CTAG)), rig.wan);
        assertEquals("new/original", f.state());
        assertEquals(LSRV, Pkts.dst(f.bytes));
        assertEquals(3869, Pkts.dport(f.bytes));
        assertTrue(Pkts.l4Ok(f.bytes));
        assertTrue(f.ct.hasStatus(Status.DST_NAT));
        NatRig.Fwd r = rig.forward(Pkts.sctp(LSRV, 3869, WCLI, 41868, CTAG, Pkts.init(INIT_ACK, STAG)), rig.lan);
        assertEquals(R, Pkts.src(r.bytes));
        assertEquals(3868, Pkts.sport(r.bytes));
        assertTrue(Pkts.l4Ok(r.bytes));
    }

    @Test
    void invalidPackets_haveNoConnection_andLeaveUnNated() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        rig.forward(Pkts.sctp(S, 3868, R, 40001, CTAG, Pkts.init(INIT_ACK, STAG)), rig.wan);
        NatRig.Fwd bad = rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0x0badf00d, data()), rig.lan);
        assertEquals("invalid/none", bad.state());
        assertNull(bad.ct);
        assertEquals(C1, Pkts.src(bad.bytes), "the private address leaves");
        assertTrue(Pkts.l4Ok(bad.bytes));

        byte[] corrupt = Pkts.sctp(C1, 40001, S, 3868, STAG, data());
        corrupt[Pkts.l4off(corrupt) + 8] ^= (byte) 0xff;
        NatRig.Fwd c = rig.forward(corrupt, rig.lan);
        assertEquals("invalid/none", c.state());
        assertEquals(C1, Pkts.src(c.bytes));
        assertFalse(Pkts.l4Ok(c.bytes), "a bad CRC leaves as bad as it came");
    }

    @Test
    void theMasqueradedEstablishedPath_allocatesNothing() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        rig.forward(Pkts.sctp(S, 3868, R, 40001, CTAG, Pkts.init(INIT_ACK, STAG)), rig.wan);
        byte[] out = Pkts.sctp(C1, 40001, S, 3868, STAG, data());
        byte[] in = Pkts.sctp(S, 3868, R, 40001, CTAG, data());
        Packet p = new Packet();
        run(p, out, in, 20_000);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        // the least of several windows, as the trackers' established-path tests measure it
        long least = Long.MAX_VALUE;
        for (int w = 0; w < 5; w++) {
            long before = mx.getThreadAllocatedBytes(tid);
            run(p, out, in, 10_000);
            least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(least < 20_000 / 100, least + " bytes allocated for 20000 packets in the least window");
    }

    /** {@code n} rounds of one packet each way through PRE_ROUTING, FORWARD and POST_ROUTING, rewritten in place. */
    private void run(Packet p, byte[] out, byte[] in, int n) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                byte[] b = k == 0 ? out : in;
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                p.in = k == 0 ? rig.lan : rig.wan;
                rig.net.packets().runHook(Hook.PRE_ROUTING, p);
                if (p.ct == null) {
                    throw new AssertionError("packet " + i + " has no connection: " + p.reason);
                }
                p.out = k == 0 ? rig.wan : rig.lan;
                rig.net.packets().runHook(Hook.FORWARD, p);
                rig.net.packets().runHook(Hook.POST_ROUTING, p);
            }
        }
    }

    @Test
    void anIcmpErrorQuotingAMasqueradedPacket_isTranslatedBackWithTheQuotedCrc() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.sctp(C1, 40001, S, 3868, 0, Pkts.init(INIT, CTAG)), rig.lan);
        NatRig.Fwd second = rig.forward(Pkts.sctp(C2, 40001, S, 3868, 0, Pkts.init(INIT, CTAG + 1)), rig.lan);
        int port = Pkts.sport(second.bytes);
        // the server's host answers the second INIT with protocol unreachable, quoting it whole
        NatRig.Fwd err = rig.forward(Pkts.error(S, R, 3, 2, second.bytes, second.bytes.length), rig.wan);
        assertEquals("related/reply", err.state());
        assertEquals(C2, Pkts.dst(err.bytes));
        byte[] quoted = Pkts.inner(err.bytes);
        assertEquals(C2, Pkts.src(quoted));
        assertEquals(40001, Pkts.sport(quoted));
        assertNotEquals(40001, port);
        assertTrue(Pkts.l4Ok(quoted), "the quoted CRC32c is recomputed");
        assertTrue(Pkts.l4Ok(err.bytes), "ICMP checksum");
    }
}
