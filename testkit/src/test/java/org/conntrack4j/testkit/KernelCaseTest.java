package org.conntrack4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One place for the kernel evidence: a reference case and a probe read through the kit, and captures. */
class KernelCaseTest {
    @Test
    void aReferenceCaseReadsWhole() {
        KernelCase kc = KernelCase.oracle("udp");
        assertEquals("udp", kc.name());
        assertEquals("30", kc.sysctls().get("nf_conntrack_udp_timeout"));
        assertEquals(List.of("198.51.100.1", "203.0.113.1"), kc.routerAddresses());
        List<KernelCase.Row> rows = kc.rows();
        assertEquals(kc.ingress().size(), rows.size(), "one verdict per ingress frame");
        assertEquals("new/original", rows.get(0).verdict());
        assertFalse(kc.events().isEmpty());
        assertTrue(kc.events().get(0).startsWith("[NEW] ipv4 2 udp 17 30 "), kc.events().get(0));
        assertTrue(kc.table().stream().allMatch(l -> !l.contains(" id=") && !l.contains("use=")), kc.table().toString());
        assertTrue(kc.ruleset().startsWith("table inet"), kc.ruleset());
        assertEquals("lan", kc.ingress().get(0).iface());
    }

    @Test
    void aProbeHasItsTablesAfterEachFrame() {
        String name = TestData.caseNames(TestData.probes("tcp"), d -> Files.isRegularFile(d.resolve("tables.txt")))
            .get(0);
        KernelCase kc = KernelCase.probe("tcp", name);
        assertEquals(kc.rows().size(), kc.tablesAfterFrames().size(), name);
        assertTrue(kc.tablesAfterFrames().containsKey(1));
    }

    @Test
    void normalisedLinesLoseWhatDiffersBetweenRuns() {
        assertEquals("[NEW] ipv4 2 udp 17 30 src=1.2.3.4 dst=5.6.7.8",
            KernelCase.normaliseEvent("[1795268197.987   ]\t    [NEW] ipv4     2 udp      17 30 src=1.2.3.4 "
                + "dst=5.6.7.8 id=12345"));
        assertEquals("ipv4 2 udp 17 src=1.2.3.4 dst=5.6.7.8 mark=0",
            KernelCase.normaliseTableLine("ipv4     2 udp      17 29 src=1.2.3.4 dst=5.6.7.8 mark=0 use=1 id=99"));
    }

    @Test
    void aClassicPcapReadsWithItsTimes(@TempDir Path dir) throws IOException {
        byte[] ip = Packets.udp("198.51.100.10", 1, "203.0.113.10", 2, new byte[2]);
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + ip.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535)
            .putInt(Capture.LINKTYPE_RAW);
        b.putInt(1_800_000_000).putInt(250_000).putInt(ip.length).putInt(ip.length).put(ip);
        Path f = dir.resolve("x.pcap");
        Files.write(f, b.array());
        List<Capture.Frame> frames = Capture.read(f);
        assertEquals(1, frames.size());
        assertEquals(1_800_000_000_250_000_000L, frames.get(0).nanos());
        assertEquals("198.51.100.10", Packets.src(frames.get(0).ip()));
        Files.write(f, new byte[30]);
        assertTrue(assertThrowsIo(f).getMessage().contains("neither pcap nor pcapng"));
    }

    private static IOException assertThrowsIo(Path f) {
        return org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> Capture.read(f));
    }
}
