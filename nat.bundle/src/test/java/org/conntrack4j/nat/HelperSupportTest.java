package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.Helper;
import org.junit.jupiter.api.Test;

/**
 * What NAT offers helpers (nf_nat_helper.c): payload mangling with lengths, checksums and sequence adjustment,
 * expected connections following their master's binding, and expectations moved to a free port. Driven by a
 * tiny stand-in for the FTP helper that handles "PORT a,b,c,d,p1,p2" only, as nf_nat_ftp does with it.
 */
class HelperSupportTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";
    private static final String R = "203.0.113.1";

    private final NatRig rig = new NatRig();
    private final PortHelper helper = new PortHelper();

    HelperSupportTest() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        // "ct helper set" for connections to port 21.
        rig.net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && p.ct.protocol() == IpProto.TCP
                && p.ct.dstPort(Direction.ORIGINAL) == 21 && !p.ct.isConfirmed()) {
                rig.net.services().assignHelper(p.ct, helper);
            }
            return Verdict.ACCEPT;
        }, "test helper assignment");
    }

    @Test
    void aPortCommandIsRewrittenAndTheDataConnectionFollowsTheMaster() {
        handshake(C, 5000, 1000, 7000);
        NatRig.Fwd port = rig.forward(data(C, 5000, S, 21, 1001, 7001, "PORT 198,51,100,10,156,164\r\n"), rig.lan);
        assertEquals("PORT 203,0,113,1,156,164\r\n", payload(port.bytes));
        assertEquals(port.bytes.length, Pkts.u16(port.bytes, 2), "IP total length");
        assertTrue(Pkts.ipHeaderOk(port.bytes) && Pkts.l4Ok(port.bytes));
        Connection ctl = port.ct;
        assertTrue(ctl.hasStatus(Status.SEQ_ADJUST));
        assertNotNull(ctl.seqAdj());

        // The server acknowledges the shorter command; the client must see its own numbers.
        NatRig.Fwd ack = rig.forward(Pkts.tcp(S, 21, R, 5000, 7001, 1027, Pkts.ACK, ""), rig.wan);
        assertEquals(1029, (int) Pkts.u32(ack.bytes, 28), "28 bytes sent, 26 acknowledged");
        assertTrue(Pkts.l4Ok(ack.bytes));
        NatRig.Fwd list = rig.forward(data(C, 5000, S, 21, 1029, 7001, "LIST\r\n"), rig.lan);
        assertEquals(1027, (int) Pkts.u32(list.bytes, 24), "later client segments are shifted back");
        assertTrue(Pkts.l4Ok(list.bytes));

        // The server opens the data connection to the address and port it was told: the router's.
        NatRig.Fwd syn = rig.forward(Pkts.tcp(S, 20, R, 40100, 9000, 0, Pkts.SYN, ""), rig.wan);
        assertEquals("related/original", syn.state());
        assertEquals(C, Pkts.dst(syn.bytes));
        assertEquals(40100, Pkts.dport(syn.bytes));
        assertEquals(S, Pkts.src(syn.bytes));
        assertEquals(ctl, syn.ct.master());
        assertTrue(syn.ct.hasStatus(Status.DST_NAT) && !syn.ct.hasStatus(Status.SRC_NAT));
        assertEquals("expected by " + Integer.toUnsignedString(ctl.id()), rig.nat.origin(syn.ct, NatManip.DST));
        NatRig.Fwd synAck = rig.forward(Pkts.tcp(C, 40100, S, 20, 3000, 9001, Pkts.SYN | Pkts.ACK, ""), rig.lan);
        assertEquals("established/reply", synAck.state());
        assertEquals(R, Pkts.src(synAck.bytes));
        assertEquals(40100, Pkts.sport(synAck.bytes));
    }

    @Test
    void aClashingExpectationMovesToAnotherPort() {
        handshake(C, 5000, 1000, 7000);
        rig.forward(data(C, 5000, S, 21, 1001, 7001, "PORT 198,51,100,10,156,164\r\n"), rig.lan);
        handshake("198.51.100.11", 5001, 2000, 8000);
        NatRig.Fwd second = rig.forward(data("198.51.100.11", 5001, S, 21, 2001, 8001,
            "PORT 198,51,100,11,156,164\r\n"), rig.lan);
        Matcher m = Pattern.compile("PORT 203,0,113,1,(\\d+),(\\d+)\r\n").matcher(payload(second.bytes));
        assertTrue(m.matches(), payload(second.bytes));
        int p = Integer.parseInt(m.group(1)) * 256 + Integer.parseInt(m.group(2));
        assertNotEquals(40100, p);
        assertTrue(p > 40100, "searched above the wanted port: " + p);
        assertEquals(2, rig.net.table().expectations().size());
        NatRig.Fwd syn = rig.forward(Pkts.tcp(S, 20, R, p, 9000, 0, Pkts.SYN, ""), rig.wan);
        assertEquals("related/original", syn.state());
        assertEquals("198.51.100.11", Pkts.dst(syn.bytes));
        assertEquals(40100, Pkts.dport(syn.bytes));
    }

    @Test
    void mangledPacketsThatWouldExceedTheMaximumSizeAreRefused() {
        handshake(C, 5000, 1000, 7000);
        Packet p = Pkts.wrap(data(C, 5000, S, 21, 1001, 7001, "x"));
        rig.net.packets().in(p);
        byte[] big = new byte[65535];
        assertFalse(rig.nat.mangleTcpPacket(p, p.ct, p.ctinfo, 20, 0, 1, big, 0, big.length));
        assertFalse(rig.nat.mangleTcpPacket(p, p.ct, p.ctinfo, 20, 1, 1, big, 0, 1), "match beyond the payload");
    }

    @Test
    void udpPayloadsAreMangledWithLengthAndChecksum() {
        for (boolean checksum : new boolean[] {true, false}) {
            for (String[] a : new String[][] {{"198.51.100.10", "203.0.113.10"}, {"2001:db8:1::10", "2001:db8:2::10"}}) {
                Packet p = Pkts.wrap(Pkts.udp(a[0], 1000, a[1], 2000, "hello 198.51.100.10 bye", checksum));
                p.in = rig.lan;
                rig.net.packets().in(p);
                int l4 = Pkts.l4off(p.toBytes());
                byte[] rep = "203.0.113.1".getBytes(StandardCharsets.US_ASCII);
                assertTrue(rig.nat.mangleUdpPacket(p, p.ct, p.ctinfo, l4, 6, 13, rep, 0, rep.length));
                byte[] b = p.toBytes();
                assertEquals("hello 203.0.113.1 bye", new String(b, l4 + 8, b.length - l4 - 8, StandardCharsets.US_ASCII));
                assertEquals(b.length - l4, Pkts.u16(b, l4 + 4), "UDP length");
                if (l4 == 40) {
                    assertEquals(b.length - 40, Pkts.u16(b, 4), "IPv6 payload length");
                } else {
                    assertEquals(b.length, Pkts.u16(b, 2), "IPv4 total length");
                    assertTrue(Pkts.ipHeaderOk(b));
                }
                if (checksum) {
                    assertTrue(Pkts.l4Ok(b) && Pkts.ipHeaderOk(b));
                } else {
                    assertEquals(0, Pkts.u16(b, l4 + 6), "no checksum stays none");
                }
            }
        }
    }

    @Test
    void severalRewritesOfOneSegmentAreAdjustedOnceBySumWithoutPerChangeRecording() {
        int port = handshake(C, 5000, 1000, 7000);
        Packet p = twoRewrites(false);
        assertEquals("cc cc", payload(p.toBytes()));
        assertTrue(Pkts.l4Ok(p.toBytes()));
        assertFalse(p.ct.hasStatus(Status.SEQ_ADJUST), "nothing recorded while adjust is false");
        rig.nat.seqAdjust(p, p.ct, p.ctinfo, 20, -4);
        assertTrue(p.ct.hasStatus(Status.SEQ_ADJUST));
        NatRig.Fwd ack = rig.forward(Pkts.tcp(S, 21, R, port, 7001, 1006, Pkts.ACK, ""), rig.wan);
        assertEquals(1010, (int) Pkts.u32(ack.bytes, 28), "5 bytes acknowledged are the client's 9");
    }

    @Test
    void aSecondRecordedChangeOfTheSameSegmentIsIgnoredAsLinuxDoes() {
        int port = handshake(C, 5000, 1000, 7000);
        twoRewrites(true);
        NatRig.Fwd ack = rig.forward(Pkts.tcp(S, 21, R, port, 7001, 1006, Pkts.ACK, ""), rig.wan);
        assertEquals(1008, (int) Pkts.u32(ack.bytes, 28), "only the first change of sequence 1001 counts");
    }

    /** The client's segment "aaaa bbbb" (sequence 1001) with both words rewritten to "cc", recorded or not. */
    private Packet twoRewrites(boolean adjust) {
        Packet p = Pkts.wrap(data(C, 5000, S, 21, 1001, 7001, "aaaa bbbb"));
        rig.net.packets().in(p);
        byte[] rep = "cc".getBytes(StandardCharsets.US_ASCII);
        assertTrue(rig.nat.mangleTcpPacket(p, p.ct, p.ctinfo, 20, 0, 4, rep, 0, 2, adjust));
        assertTrue(rig.nat.mangleTcpPacket(p, p.ct, p.ctinfo, 20, 3, 4, rep, 0, 2, adjust));
        return p;
    }

    private int handshake(String client, int sport, int cisn, int sisn) {
        NatRig.Fwd syn = rig.forward(Pkts.tcp(client, sport, S, 21, cisn, 0, Pkts.SYN, ""), rig.lan);
        assertEquals(helper, syn.ct.helper());
        int port = Pkts.sport(syn.bytes);
        rig.forward(Pkts.tcp(S, 21, R, port, sisn, cisn + 1, Pkts.SYN | Pkts.ACK, ""), rig.wan);
        rig.forward(Pkts.tcp(client, sport, S, 21, cisn + 1, sisn + 1, Pkts.ACK, ""), rig.lan);
        return port;
    }

    private static byte[] data(String src, int sport, String dst, int dport, int seq, int ack, String text) {
        return Pkts.tcp(src, sport, dst, dport, seq, ack, Pkts.ACK | Pkts.PSH, text);
    }

    private static String payload(byte[] b) {
        int off = Pkts.l4off(b) + 20;
        return new String(b, off, b.length - off, StandardCharsets.US_ASCII);
    }

    /** Announces the data connection of "PORT a,b,c,d,p1,p2" and, behind NAT, rewrites it as nf_nat_ftp does. */
    private static final class PortHelper implements Helper {
        private static final Pattern PORT = Pattern.compile("PORT (\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)\r\n");

        @Override
        public String name() {
            return "port";
        }

        @Override
        public int protocol() {
            return IpProto.TCP;
        }

        @Override
        public List<ExpectPolicy> expectPolicies() {
            return List.of(new ExpectPolicy("port", 1, 300));
        }

        @Override
        public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
            if (CtInfo.direction(ctinfo) != Direction.ORIGINAL) {
                return Verdict.ACCEPT;
            }
            int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
            byte[] b = new byte[pkt.length() - dataoff];
            pkt.copyOut(dataoff, b, 0, b.length);
            Matcher m = PORT.matcher(new String(b, StandardCharsets.US_ASCII));
            if (!m.matches()) {
                return Verdict.ACCEPT;
            }
            long addr = Integer.toUnsignedLong(Addr.parseV4(m.group(1) + "." + m.group(2) + "." + m.group(3) + "."
                + m.group(4)));
            int port = Integer.parseInt(m.group(5)) * 256 + Integer.parseInt(m.group(6));
            int dir = Direction.ORIGINAL;
            ExpectationRequest exp = new ExpectationRequest(ct);
            exp.init(0, Family.IPV4, new long[] {ct.srcHi(dir ^ 1), ct.srcLo(dir ^ 1)}, new long[] {0, addr},
                IpProto.TCP, -1, port);
            Nat nat = net.services().extension(Nat.class);
            if (nat == null || (ct.status() & Status.NAT_MASK) == 0) {
                return net.services().expectRelated(exp) == 0 ? Verdict.ACCEPT : Verdict.DROP;
            }
            // nf_nat_ftp: the expected connection really goes to the client, announced as the router.
            exp.saved(0, addr, port, dir ^ 1);
            exp.dst(0, ct.dstLo(dir ^ 1));
            exp.expectFn(nat::followMaster);
            int got = nat.expectWithFreePort(exp, port);
            if (got == 0) {
                return Verdict.DROP;
            }
            long r = ct.dstLo(dir ^ 1);
            String text = (r >>> 24) + "," + (r >>> 16 & 0xff) + "," + (r >>> 8 & 0xff) + "," + (r & 0xff) + ","
                + (got >>> 8) + "," + (got & 0xff);
            byte[] rep = text.getBytes(StandardCharsets.US_ASCII);
            return nat.mangleTcpPacket(pkt, ct, ctinfo, protoff, 5, m.end(6) - 5, rep, 0, rep.length) ? Verdict.ACCEPT
                : Verdict.DROP;
        }
    }
}
