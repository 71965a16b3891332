package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture read ahead on a thread of its own gives the frames the reader gives, in order and whole, across
 * batches, then the end or the reader's exception after the frames before it; its thread ends with it.
 */
class CaptureAheadTest {
    /** Frames of varying lengths (1 to 1,500 bytes) on two interfaces, more than a batch holds. */
    private static byte[] capture(Path dir, int n) throws Exception {
        Path p = dir.resolve("in.pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(p)) {
            for (int i = 0; i < n; i++) {
                byte[] frame = new byte[1 + i * 37 % 1500];
                Arrays.fill(frame, (byte) i);
                w.write(i % 3 == 0 ? "wan" : "lan", 1_000_000_000L * i + 7, frame, i % 5 == 0 ? "note " + i : null);
            }
        }
        return Files.readAllBytes(p);
    }

    private static long aheadThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("ahead-test")).count();
    }

    @Test
    void givesTheReadersFramesThenItsEndOrItsException(@TempDir Path tmp) throws Exception {
        int n = 3 * CaptureAhead.FRAMES + 5;
        byte[] file = capture(tmp, n);
        // whole, then cut inside the last frame's block
        for (byte[] bytes : new byte[][] {file, Arrays.copyOf(file, file.length - 3)}) {
            boolean cut = bytes.length < file.length;
            try (CaptureReader plain = CaptureReader.open(new ByteArrayInputStream(bytes), "x");
                 CaptureReader r = CaptureReader.open(new ByteArrayInputStream(bytes), "x");
                 CaptureAhead ahead = new CaptureAhead(r, "ahead-test")) {
                for (int i = 0; i < (cut ? n - 1 : n); i++) {
                    CaptureFrame want = plain.next();
                    CaptureFrame got = ahead.next();
                    assertNotNull(got, "frame " + (i + 1));
                    assertEquals(want.toString(), got.toString());
                    assertEquals(want.timestampNanos(), got.timestampNanos());
                    assertEquals(want.interfaceName(), got.interfaceName());
                    assertEquals(want.comment(), got.comment());
                    assertArrayEquals(want.copyBytes(), got.copyBytes());
                }
                if (cut) {
                    CaptureFormatException want = assertThrows(CaptureFormatException.class, plain::next);
                    CaptureFormatException got = assertThrows(CaptureFormatException.class, ahead::next);
                    assertEquals(want.getMessage(), got.getMessage());
                } else {
                    assertNull(plain.next());
                    assertNull(ahead.next());
                }
            }
            assertEquals(0, aheadThreads());
        }
    }

    @Test
    void closingBeforeTheEndEndsTheThread(@TempDir Path tmp) throws Exception {
        byte[] file = capture(tmp, 4 * CaptureAhead.FRAMES * CaptureAhead.BATCHES);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(file), "x");
             CaptureAhead ahead = new CaptureAhead(r, "ahead-test")) {
            assertEquals(1, ahead.next().index());
            // the thread has filled every batch by now, or soon, and waits for room
            Thread.sleep(50);
        }
        assertEquals(0, aheadThreads());
    }
}
