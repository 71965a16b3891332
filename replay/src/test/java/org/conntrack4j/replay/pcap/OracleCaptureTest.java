package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every capture of the kernel oracle reads completely and agrees with the case's TSV listing of it. */
class OracleCaptureTest {
    static List<Path> cases() {
        return TestData.cases(TestData.oracleCases(), d -> true);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void ingressHasOneFramePerCtstateRowWithTheRowsInterfaceTimeAndVerdict(Path dir) throws IOException {
        List<String[]> rows = KernelCase.at(dir).tsv("ctstate.tsv");
        long firstTimestamp = firstTimestamp(dir.resolve("ingress.pcapng"));
        try (CaptureReader reader = CaptureReader.open(dir.resolve("ingress.pcapng"))) {
            assertEquals(CaptureReader.Format.PCAPNG, reader.format());
            for (String[] row : rows) {
                CaptureFrame f = reader.next();
                assertNotNull(f, dir.getFileName() + ": frame for row " + row[0]);
                assertEquals(Integer.parseInt(row[0]), f.index());
                assertEquals(row[2], f.interfaceName(), "iface of row " + row[0]);
                assertEquals(row[1], relativeSeconds(f.timestampNanos() - firstTimestamp), "time of row " + row[0]);
                assertEquals(LinkType.ETHERNET, f.linkType());
                assertEquals(1, f.flags() & 3, "epb_flags direction inbound");
                assertEquals(f.originalLength(), f.capturedLength());
                // the packet comment repeats the verdict (plus a defrag=k/n suffix on fragments)
                assertNotNull(f.comment());
                assertTrue(f.comment().startsWith("ct_state=" + row[3] + " ct_dir=" + row[4]),
                        row[0] + ": " + f.comment());
            }
            assertNull(reader.next(), "no frame beyond the last row");
            assertEquals(rows.size(), reader.framesRead());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void egressHasOneFramePerEgressRowWithTheRowsInterfaceAndTime(Path dir) throws IOException {
        List<String[]> rows = KernelCase.at(dir).tsv("egress.tsv");
        long firstTimestamp = firstTimestamp(dir.resolve("ingress.pcapng"));
        try (CaptureReader reader = CaptureReader.open(dir.resolve("egress.pcapng"))) {
            for (String[] row : rows) {
                CaptureFrame f = reader.next();
                assertNotNull(f, dir.getFileName() + ": frame for row " + row[0]);
                assertEquals(row[2], f.interfaceName());
                assertTrue(f.interfaceIndex() == 0 ? "lan".equals(f.interfaceName()) : "wan".equals(f.interfaceName()));
                assertEquals(row[1], relativeSeconds(f.timestampNanos() - firstTimestamp), "time of row " + row[0]);
                assertEquals(2, f.flags() & 3, "epb_flags direction outbound");
                assertNull(f.comment());
            }
            assertNull(reader.next());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void timestampsHaveMicrosecondResolutionAndFramesStartWithAnEthernetHeader(Path dir) throws IOException {
        try (CaptureReader reader = CaptureReader.open(dir.resolve("ingress.pcapng"))) {
            for (CaptureFrame f = reader.next(); f != null; f = reader.next()) {
                assertEquals(0, f.timestampNanos() % 1000, "if_tsresol 6: whole microseconds");
                int etherType = f.getUnsignedByte(12) << 8 | f.getUnsignedByte(13);
                assertTrue(etherType == 0x0800 || etherType == 0x86DD, "IPv4 or IPv6");
                assertFalse(f.timestampNanos() < 1_600_000_000_000_000_000L, "a plausible date");
            }
        }
    }

    private static long firstTimestamp(Path capture) throws IOException {
        try (CaptureReader reader = CaptureReader.open(capture)) {
            return reader.next().timestampNanos();
        }
    }

    /** The TSV time column: seconds since the first ingress frame with six decimals. */
    private static String relativeSeconds(long nanos) {
        long micros = nanos / 1000;
        return String.format("%d.%06d", micros / 1_000_000, micros % 1_000_000);
    }
}
