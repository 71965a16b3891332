package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ctstate.tsv for fragments: each row in capture order, with its datagram's verdict or "-" if it never completed. */
class ReplayFragmentRowsTest {
    private static byte[] eth(byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        byte[] mac = RouterInterface.parseMac("02:00:00:00:01:01");
        System.arraycopy(mac, 0, f, 0, 6);
        f[12] = 0x08;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    /** A UDP/IPv4 datagram of {@code data} payload bytes from port 35000 to 6666 (checksums left at zero). */
    private static byte[] udp4(String src, String dst, int id, int data) {
        Packet p = new Packet(64).wrap(new byte[28 + data], 0, 28 + data);
        p.put8(0, 0x45);
        p.put16(2, 28 + data);
        p.put16(4, id);
        p.put8(8, 64);
        p.put8(9, 17);
        p.put32(12, Addr.parseV4(src));
        p.put32(16, Addr.parseV4(dst));
        p.put16(20, 35000);
        p.put16(22, 6666);
        p.put16(24, 8 + data);
        p.put16(10, Checksum.ipv4Header(p));
        return p.array();
    }

    /** The fragment of {@code dg} carrying payload bytes {@code [off, off + len)}. */
    private static byte[] frag4(byte[] dg, int off, int len, boolean more) {
        byte[] f = new byte[20 + len];
        System.arraycopy(dg, 0, f, 0, 20);
        System.arraycopy(dg, 20 + off, f, 20, len);
        Packet p = new Packet(64).wrap(f, 0, f.length);
        p.put16(2, f.length);
        p.put16(6, off >>> 3 | (more ? 0x2000 : 0));
        p.put16(10, 0);
        p.put16(10, Checksum.ipv4Header(p));
        return f;
    }

    @Test
    void everyFragmentGetsItsDatagramsVerdictAndAnOrphanGetsNone(@TempDir Path tmp) throws Exception {
        byte[] dg = udp4("198.51.100.10", "203.0.113.10", 0x1234, 1400);
        byte[] other = udp4("198.51.100.10", "203.0.113.10", 0x9999, 1400);
        Path capture = tmp.resolve("in.pcapng");
        long t = 1_700_000_000_000_000_000L;
        try (PcapNgWriter w = PcapNgWriter.create(capture)) {
            w.write("lan", t, eth(frag4(dg, 576, 576, true)), null);
            w.write("lan", t + 1000, eth(frag4(other, 0, 576, true)), null);
            w.write("lan", t + 2000, eth(frag4(dg, 0, 576, true)), null);
            w.write("lan", t + 3000, eth(frag4(dg, 1152, 256, false)), null);
            w.write("lan", t + 4000, eth(udp4("198.51.100.11", "203.0.113.10", 1, 10)), null);
        }
        CaseSpec spec = new CaseSpec("frag-rows", List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 600, "198.51.100.1/24"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24")),
            Map.of(), null, null, capture, "lan");
        ConntrackFactory engines = new Plugins().factory();
        Path out = tmp.resolve("out");
        ReplayReport report = Replay.run(spec, out,
            (name, clock, sysctls) -> engines.create(name, clock, sysctls, true),
            (net, text, source) -> () -> { }, null);
        List<String> lines = Files.readAllLines(out.resolve("ctstate.tsv"));
        assertEquals(6, lines.size());
        String[] r1 = lines.get(1).split("\t");
        String[] r2 = lines.get(2).split("\t");
        String[] r3 = lines.get(3).split("\t");
        String[] r4 = lines.get(4).split("\t");
        String[] r5 = lines.get(5).split("\t");
        assertEquals("1", r1[0]);
        assertEquals("new", r1[3], "the first fragment carries the datagram's verdict");
        assertEquals("original", r1[4]);
        assertEquals("-", r2[3], "an orphan fragment was never seen by conntrack");
        assertEquals("none", r2[4]);
        assertTrue(r2[6].contains("never completed"), r2[6]);
        assertEquals("held for reassembly, never completed", r2[7]);
        assertTrue(r1[7].matches("reassembled from \\d fragments, forwarded to wan"), r1[7]);
        assertEquals(r1[7], r3[7], "the fragments of one datagram share its fate");
        assertEquals("new", r3[3]);
        assertEquals("new", r4[3]);
        assertEquals("5", r5[0]);
        assertEquals("new", r5[3]);
        assertEquals(1, (int) report.states().get("-"));
        assertEquals(4, (int) report.states().get("new"));
        assertEquals(3 + 1, report.egressFrames(), "the datagram in its three fragments, and the small packet");
    }
}
