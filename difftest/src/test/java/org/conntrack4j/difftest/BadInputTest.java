package org.conntrack4j.difftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.replay.run.ReplayReport;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a verdict or a clear error, never a stack trace: corrupt captures, malformed packets,
 * rulesets outside the subset, a broken case.json.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    private final Plugins reg = Shipped.full();

    private Path copyOfCase(String name) throws IOException {
        Path src = KernelCasesTest.casesDir().resolve(name);
        Path dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()));
                dst.resolve(f.getFileName()).toFile().setWritable(true);
            }
        }
        return dst;
    }

    private ReplayReport replay(Path dir) throws Exception {
        return Replay.run(CaseSpec.load(dir), tmp.resolve("out"), Shipped.engines(reg), Shipped.rules(), null);
    }

    @Test
    void aTruncatedCaptureIsReplayedUpToTheDamageWhichIsNamedWithItsOffset() throws Exception {
        Path dir = copyOfCase("udp");
        Path ingress = dir.resolve("ingress.pcapng");
        byte[] all = Files.readAllBytes(ingress);
        Files.write(ingress, Arrays.copyOf(all, all.length * 2 / 3));
        ReplayReport r = replay(dir);
        assertNotNull(r.captureProblem());
        assertTrue(r.captureProblem().contains("ingress.pcapng") && r.captureProblem().matches(".*offset \\d+.*"),
            r.captureProblem());
        assertTrue(r.frames() > 5 && r.frames() < 21, "frames before the damage: " + r.frames());
        List<String> rows = Files.readAllLines(tmp.resolve("out/ctstate.tsv"));
        assertEquals(r.frames() + 1, rows.size(), "every frame before the damage has its row");
        assertTrue(Files.size(tmp.resolve("out/table.txt")) > 0, "the table of what was replayed is written");
    }

    @Test
    void aRulesetOutsideTheSubsetStopsTheReplayNamingLineAndColumn() throws Exception {
        Path dir = copyOfCase("udp");
        Files.writeString(dir.resolve("ruleset.nft"), "table inet t {\n\tchain c {\n\t\ttype filter hook forward "
            + "priority 0; policy accept;\n\t\tudp dport 53 queue num 1\n\t}\n}\n");
        ReplayException e = assertThrows(ReplayException.class, () -> replay(dir));
        assertEquals(ReplayException.RULESET, e.exitStatus());
        assertTrue(e.getMessage().contains("ruleset.nft:4:16"), e.getMessage());
        assertTrue(e.getMessage().contains("queue"), e.getMessage());
    }

    @Test
    void aBrokenCaseJsonIsReportedWithItsPosition() throws Exception {
        Path dir = copyOfCase("udp");
        Files.writeString(dir.resolve("case.json"), "{\n  \"topology\": {\n    \"router_interfaces\": [1,,2]\n}\n");
        ReplayException e = assertThrows(ReplayException.class, () -> replay(dir));
        assertEquals(ReplayException.INPUT, e.exitStatus());
        assertTrue(e.getMessage().contains("case.json:3:"), e.getMessage());
    }

    @Test
    void malformedPacketsGetAVerdictOrAReasonAndNothingBreaks() throws Exception {
        Path dir = copyOfCase("udp");
        Path ingress = dir.resolve("ingress.pcapng");
        long t = 1_795_268_181_000_000_000L;
        try (PcapNgWriter w = PcapNgWriter.create(ingress)) {
            w.write("lan", t, frame(hex("0806"), new byte[28]), null);
            w.write("lan", t + 1, frame(hex("0800"), hex("4500")), null);
            byte[] badSum = hex("45000020000000004011ffff c6336 40a cb00710a 0001 0002 000c 0000 41424344".replace(" ", ""));
            w.write("lan", t + 2, frame(hex("0800"), badSum), null);
            byte[] shortUdp = ipv4(17, hex("a410"));
            w.write("lan", t + 3, frame(hex("0800"), shortUdp), null);
            byte[] shortTcp = ipv4(6, hex("a4101389000000000000000050"));
            w.write("lan", t + 4, frame(hex("0800"), shortTcp), null);
            byte[] udpBadLen = ipv4(17, hex("a41013890fff0000"));
            w.write("lan", t + 5, frame(hex("0800"), udpBadLen), null);
            w.write("nowhere", t + 6, frame(hex("0800"), ipv4(17, hex("a410138900080000"))), null);
            byte[] v6Short = hex("6000000000081140");
            w.write("lan", t + 7, frame(hex("86dd"), v6Short), null);
        }
        ReplayReport r = replay(dir);
        assertEquals(8, r.frames());
        List<String> rows = Files.readAllLines(tmp.resolve("out/ctstate.tsv"), StandardCharsets.UTF_8);
        assertEquals(9, rows.size());
        assertTrue(rows.get(1).contains("ARP frame not understood"), rows.get(1));
        assertTrue(rows.get(2).contains("truncated header"), rows.get(2));
        assertTrue(rows.get(3).contains("bad header checksum"), rows.get(3));
        assertTrue(rows.get(4).contains("\tinvalid\tnone\t"), rows.get(4));
        assertTrue(rows.get(5).contains("\tinvalid\tnone\t"), rows.get(5));
        assertTrue(rows.get(6).contains("\tinvalid\tnone\t") && rows.get(6).contains("truncated/malformed packet"),
            rows.get(6));
        assertTrue(rows.get(7).contains("unknown interface nowhere"), rows.get(7));
        assertTrue(rows.get(8).contains("ipv6: truncated header"), rows.get(8));
    }

    private static byte[] frame(byte[] type, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        System.arraycopy(hex("020000000101020000000102"), 0, f, 0, 12);
        System.arraycopy(type, 0, f, 12, 2);
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    /** An IPv4 header (valid checksum) from 198.51.100.10 to 203.0.113.10 followed by {@code l4}. */
    private static byte[] ipv4(int proto, byte[] l4) {
        byte[] p = new byte[20 + l4.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = (byte) proto;
        System.arraycopy(hex("c633640acb00710a"), 0, p, 12, 8);
        long s = 0;
        for (int i = 0; i < 20; i += 2) {
            s += (p[i] & 0xff) << 8 | (p[i + 1] & 0xff);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        int c = ~(int) s & 0xffff;
        p[10] = (byte) (c >>> 8);
        p[11] = (byte) c;
        System.arraycopy(l4, 0, p, 20, l4.length);
        return p;
    }

    private static byte[] hex(String h) {
        String s = h.replace(" ", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
