package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the writers write, the reader reads back unchanged. */
class CaptureRoundTripTest {
    /** One frame's content, copied out of the flyweight. */
    private static final class Copy {
        final long timestamp;
        final String iface;
        final byte[] data;
        final long originalLength;
        final String comment;

        Copy(CaptureFrame f) {
            timestamp = f.timestampNanos();
            iface = f.interfaceName();
            data = f.copyBytes();
            originalLength = f.originalLength();
            comment = f.comment();
        }
    }

    static List<Path> cases() {
        return TestData.cases(TestData.oracleCases(), d -> true);
    }

    private static List<Copy> readAll(Path file) throws IOException {
        List<Copy> out = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(file)) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                out.add(new Copy(f));
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void pcapngRewriteOfEachIngressCaptureReadsBackIdentically(Path dir, @TempDir Path tmp) throws IOException {
        List<Copy> original = readAll(dir.resolve("ingress.pcapng"));
        Path copy = tmp.resolve("copy.pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(copy)) {
            for (Copy c : original) {
                w.write(c.iface, c.timestamp, c.data, 0, c.data.length, c.originalLength, c.comment);
            }
            assertEquals(original.size(), w.framesWritten());
        }
        List<Copy> back = readAll(copy);
        assertEquals(original.size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            assertEquals(original.get(i).timestamp, back.get(i).timestamp);
            assertEquals(original.get(i).iface, back.get(i).iface);
            assertArrayEquals(original.get(i).data, back.get(i).data);
            assertEquals(original.get(i).originalLength, back.get(i).originalLength);
            assertEquals(original.get(i).comment, back.get(i).comment);
        }
    }

    @Test
    void pcapngKeepsNanosecondsInterfacesInOrderOfFirstUseAndOddLengths(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("w.pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(file)) {
            w.write("wan", 1_795_268_213_726_464_123L, new byte[] {1}, null);
            w.write("lan", 1L, new byte[] {1, 2, 3, 4, 5}, "ct_state=new ct_dir=original \u00e9");
            w.write("wan", Long.MAX_VALUE, new byte[0], "");
            assertEquals(0, w.interfaceId("wan"));
            assertEquals(1, w.interfaceId("lan"));
        }
        assertEquals(0, Files.size(file) % 4, "blocks are padded to 32 bits");
        try (CaptureReader r = CaptureReader.open(file)) {
            CaptureFrame f = r.next();
            assertEquals(1_795_268_213_726_464_123L, f.timestampNanos());
            assertEquals(0, f.interfaceIndex());
            assertEquals("wan", f.interfaceName());
            assertNull(f.comment());
            f = r.next();
            assertEquals("lan", f.interfaceName());
            assertEquals(1, f.interfaceIndex());
            assertEquals("ct_state=new ct_dir=original \u00e9", f.comment());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, f.copyBytes());
            f = r.next();
            assertEquals(Long.MAX_VALUE, f.timestampNanos());
            assertEquals(0, f.capturedLength());
            assertEquals("", f.comment());
            assertNull(r.next());
        }
    }

    @Test
    void classicPcapMicrosecondsRoundDownNanosecondsAreExact(@TempDir Path tmp) throws IOException {
        long t = 1_795_268_213_726_464_987L;
        for (boolean nano : new boolean[] {false, true}) {
            Path file = tmp.resolve(nano ? "n.pcap" : "u.pcap");
            try (PcapWriter w = PcapWriter.create(file, LinkType.ETHERNET, nano)) {
                w.write(t, new byte[] {7, 7, 7});
                w.write(t + 1, new byte[] {8}, 0, 1, 1500);
            }
            try (CaptureReader r = CaptureReader.open(file)) {
                assertEquals(CaptureReader.Format.PCAP, r.format());
                CaptureFrame f = r.next();
                assertEquals(nano ? t : t - 987, f.timestampNanos());
                assertArrayEquals(new byte[] {7, 7, 7}, f.copyBytes());
                f = r.next();
                assertEquals(1500, f.originalLength());
                assertEquals(LinkType.ETHERNET, f.linkType());
                assertNull(r.next());
            }
        }
    }

    @Test
    void writersRefuseWhatTheFormatCannotHold() throws IOException {
        try (PcapNgWriter w = new PcapNgWriter(new ByteArrayOutputStream())) {
            assertThrows(IllegalArgumentException.class, () -> w.write("lan", -1, new byte[1], null));
            assertThrows(IllegalArgumentException.class, () -> w.write("lan", 0, new byte[4], 0, 4, 3, null));
            assertThrows(NullPointerException.class, () -> w.write(null, 0, new byte[1], null));
        }
        try (PcapWriter w = new PcapWriter(new ByteArrayOutputStream(), 1, false)) {
            assertThrows(IllegalArgumentException.class, () -> w.write(-1, new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> w.write(1L << 62, new byte[1]));
        }
    }
}
