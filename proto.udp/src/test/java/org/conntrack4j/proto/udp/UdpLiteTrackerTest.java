package org.conntrack4j.proto.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The UDP-Lite tracker as {@code nf_conntrack_udplite_packet}: UDP's tuple and timeouts, a mandatory checksum over
 * the covered part ({@code udplite_error}), and ASSURED as soon as both directions were seen.
 */
class UdpLiteTrackerTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final Rig rig;
    private final List<String> events;

    UdpLiteTrackerTest() {
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpLiteTracker(), IpProto.UDPLITE);
        rig = new Rig(plugins, "udplite", EventLog.COMPACT).set("nf_conntrack_log_invalid", 255);
        events = rig.events().lines();
    }

    @AfterEach
    void close() {
        rig.close();
    }

    /**
     * A UDP-Lite datagram whose checksum covers the first {@code cscov} bytes (0: all), computed as Linux verifies it:
     * the pseudo-header with protocol 17 and the datagram's length ({@code nf_checksum_partial}).
     */
    private static byte[] datagram(String src, int sport, String dst, int dport, String data, int cscov) {
        byte[] l4 = Packets.udp(sport, dport, Packets.ascii(data));
        l4[4] = (byte) (cscov >>> 8);
        l4[5] = (byte) cscov;
        byte[] ip = Packets.ip(src, dst).payload(IpProto.UDPLITE, l4).build();
        Packet p = new Packet(ip.length + 16).load(ip, 0, ip.length, 0);
        p.family = Packets.isV6(ip) ? Family.IPV6 : Family.IPV4;
        int off = Packets.l4Offset(ip);
        int len = ip.length - off;
        long sum = Checksum.pseudoHeader(p, p.family, IpProto.UDP, len);
        sum = Checksum.add(p, off, cscov == 0 ? len : cscov, sum);
        int check = ~Checksum.fold(sum) & 0xffff;
        p.put16(off + 6, check == 0 ? 0xffff : check);
        return p.toBytes();
    }

    private ConnectionSnapshot snapshot() {
        return rig.snapshot(rig.connectionWithPort(40000));
    }

    @Test
    void thePacketAfterTheFirstReplyMakesItAssured() {
        assertEquals("new/original", rig.forward(datagram(C, 40000, S, 5000, "q", 0)).verdict());
        assertEquals(30, snapshot().timeoutSeconds());
        // SEEN_REPLY is set after the reply's own processing (nf_conntrack_in), so the reply itself gets 30 s
        assertEquals("established/reply", rig.forward(datagram(S, 5000, C, 40000, "a", 0)).verdict());
        assertEquals(30, snapshot().timeoutSeconds());
        assertEquals(0, snapshot().status() & Status.ASSURED);
        // no two-second rule, unlike UDP
        assertEquals("established/original", rig.forward(datagram(C, 40000, S, 5000, "q2", 0)).verdict());
        ConnectionSnapshot s = snapshot();
        assertEquals(120, s.timeoutSeconds());
        assertTrue((s.status() & Status.ASSURED) != 0);
        assertEquals("[NEW] ipv4 2 udplite 136 30 src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=5000 "
            + "[UNREPLIED] src=203.0.113.10 dst=198.51.100.10 sport=5000 dport=40000", events.get(0));
        assertTrue(events.get(events.size() - 1).endsWith("[ASSURED]"), events.toString());
    }

    @Test
    void aPartialCoverageIsVerifiedOverTheCoveredBytesOnly() {
        byte[] p = datagram(C, 40000, S, 5000, "covered-and-not", 12);
        p[p.length - 1] ^= 0x55;
        Rig.Result r = rig.forward(p);
        assertEquals("new/original", r.verdict(), "a byte outside the coverage may change");
        assertNull(r.reason);
        byte[] q = datagram(C, 40001, S, 5000, "covered-and-not", 12);
        q[Packets.l4Offset(q) + 9] ^= 0x55;
        assertEquals("bad checksum", rig.forward(q).reason);
    }

    @Test
    void theChecksumIsMandatory() {
        byte[] p = datagram(C, 40000, S, 5000, "q", 0);
        p[26] = 0;
        p[27] = 0;
        Rig.Result r = rig.forward(p);
        assertEquals("invalid/none", r.verdict());
        assertEquals("checksum missing", r.reason);
        assertEquals(IpProto.UDPLITE, r.logProto);
    }

    @Test
    void aCoverageOutsideTheDatagramIsInvalid() {
        assertEquals("invalid checksum coverage", rig.forward(datagram(C, 40000, S, 5000, "q", 4)).reason);
        assertEquals("invalid checksum coverage", rig.forward(datagram(C, 40000, S, 5000, "q", 10)).reason);
        byte[] shortOne = Packets.ip(C, S).payload(IpProto.UDPLITE, new byte[6]).build();
        assertEquals("short packet", rig.forward(shortOne).reason);
    }

    @Test
    void checksumsAreCheckedOnlyWhenEnabled() {
        byte[] p = datagram(C, 40000, S, 5000, "q", 0);
        p[28] ^= 0x01;
        assertEquals("bad checksum", rig.forward(p).reason);
        rig.set("nf_conntrack_checksum", 0);
        assertEquals("new/original", rig.forward(p).verdict());
    }

    @Test
    void itSharesUdpsTimeouts() {
        UdpLiteTracker t = new UdpLiteTracker();
        assertEquals("udplite", t.name());
        assertEquals(List.of(UdpTracker.TIMEOUT, UdpTracker.TIMEOUT_STREAM), t.settings());
        rig.set("nf_conntrack_udp_timeout", 12);
        rig.forward(datagram(C, 40000, S, 5000, "q", 0));
        assertEquals(12, snapshot().timeoutSeconds());
    }
}
