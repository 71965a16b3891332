package org.conntrack4j.difftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayReport;
import org.conntrack4j.testkit.LogRecorder;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kernel cases whose captures are damaged frame by frame (bytes flipped in the headers or the payload, frames
 * cut short, frames repeated), with a fixed seed, replayed through every tracker, NAT and the FTP helper: every
 * frame gets its row, and no hook function throws (the engine would drop the packet and log it: that log is
 * the failure here, as is any other warning of the engine). What the packets mean is not checked; that the packet path survives them is.
 */
class MutatedCapturesTest {
    private static final String[] CASES = {"oracle/cases/ftp_active_snat", "oracle/cases/ftp_passive_snat",
        "oracle/cases/frag_udp", "oracle/cases/frag6", "oracle/cases/icmp", "oracle/cases/ipv6_basic",
        "oracle/cases/tcp_invalid", "oracle/cases/dnat_portforward", "recorded/ftp_split_masq",
        "recorded/frag_tcp_masq", "recorded/icmp_errors_tcp6", "recorded/ftp6_masq"};

    @TempDir
    Path tmp;

    private final Plugins reg = Shipped.full();
    /** What the engines logged: a hook function or listener that threw is logged as a warning. */
    private final LogRecorder warnings = new LogRecorder("org.conntrack4j.core");

    @BeforeEach
    void watchHooks() {
        reg.logTo(warnings);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void damagedFramesGetRowsAndNoHookThrows(long seed) throws Exception {
        for (String name : CASES) {
            Path dir = damagedCopy(name, new Random(seed * 7919 + name.hashCode()));
            int written = frames(dir.resolve("ingress.pcapng"));
            Path out = tmp.resolve("out-" + dir.getFileName());
            ReplayReport r = Replay.run(CaseSpec.load(dir), out, Shipped.engines(reg), Shipped.rules(), null);
            assertNull(r.captureProblem(), name);
            assertEquals(written, r.frames(), name);
            assertEquals(written + 1, Files.readAllLines(out.resolve("ctstate.tsv")).size(), name);
            assertTrue(warnings.entries().isEmpty(), name + " seed " + seed + ": " + warnings.entries());
        }
    }

    /** The case with its capture damaged: about a third of the frames altered, a few repeated. */
    private Path damagedCopy(String name, Random rnd) throws IOException {
        Path src = KernelCasesTest.testdata(name);
        Path dst = tmp.resolve(name.replace('/', '-'));
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                if (!f.getFileName().toString().equals("ingress.pcapng")) {
                    Files.copy(f, dst.resolve(f.getFileName()));
                }
            }
        }
        try (CaptureReader in = CaptureReader.open(src.resolve("ingress.pcapng"));
            PcapNgWriter w = PcapNgWriter.create(dst.resolve("ingress.pcapng"))) {
            CaptureFrame f;
            while ((f = in.next()) != null) {
                byte[] b = f.copyBytes();
                int kind = rnd.nextInt(20);
                if (kind < 3) {
                    flip(b, 14, Math.min(b.length, 14 + 60), rnd); // IP and L4 headers
                } else if (kind < 5) {
                    flip(b, 14, b.length, rnd);
                } else if (kind < 7 && b.length > 15) {
                    b = java.util.Arrays.copyOf(b, 14 + rnd.nextInt(b.length - 14));
                } else if (kind == 7) {
                    w.write(f.interfaceName(), f.timestampNanos(), b.clone(), null);
                }
                w.write(f.interfaceName(), f.timestampNanos(), b, null);
            }
        }
        return dst;
    }

    private static void flip(byte[] b, int from, int to, Random rnd) {
        if (to <= from) {
            return;
        }
        for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
            b[from + rnd.nextInt(to - from)] ^= (byte) (1 + rnd.nextInt(255));
        }
    }

    private static int frames(Path capture) throws IOException {
        int n = 0;
        try (CaptureReader r = CaptureReader.open(capture)) {
            while (r.next() != null) {
                n++;
            }
        }
        return n;
    }
}
