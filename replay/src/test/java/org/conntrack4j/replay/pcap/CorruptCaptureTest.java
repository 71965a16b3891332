package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of damage, applied to a real oracle capture, gives a CaptureFormatException that names the file and
 * the offset and says what is wrong, after the frames before the damage were delivered.
 */
class CorruptCaptureTest {
    private static final String NAME = "ingress.pcapng";
    private static byte[] file;
    /** Start offsets of the blocks of {@link #file}, then its length. */
    private static int[] blockStarts;
    private static int[] blockTypes;

    @BeforeAll
    static void readTheOriginal() throws IOException {
        file = Files.readAllBytes(TestData.oracleCases().resolve("tcp_basic").resolve("ingress.pcapng"));
        List<Integer> starts = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int off = 0; off < file.length; off += le32(off + 4)) {
            starts.add(off);
            types.add(le32(off));
        }
        starts.add(file.length);
        blockStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        blockTypes = types.stream().mapToInt(Integer::intValue).toArray();
        assertEquals(0x0A0D0D0A, blockTypes[0]);
        assertEquals(1, blockTypes[1]);
        assertEquals(1, blockTypes[2]);
        assertEquals(6, blockTypes[3]);
    }

    private static int le32(int at) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    /** Offset of the block holding frame {@code n} (1-based). */
    private static int packetBlock(int n) {
        return blockStarts[2 + n];
    }

    private static byte[] withInt(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return copy;
    }

    /** Reads everything; returns the exception, after checking it names the file and offset and the frame count. */
    private static CaptureFormatException failure(byte[] bytes, String name, long offset, int framesBefore) {
        int delivered = 0;
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(bytes), name)) {
            while (r.next() != null) {
                delivered++;
            }
        } catch (CaptureFormatException e) {
            assertTrue(e.getMessage().startsWith(name + ": offset " + offset + ": "), e.getMessage());
            assertEquals(offset, e.offset(), e.getMessage());
            assertEquals(framesBefore, e.framesRead(), e.getMessage());
            assertEquals(framesBefore, delivered, "frames handed out before the damage");
            assertEquals(name + ": offset " + offset + ": " + e.problem(), e.getMessage());
            return e;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("not a CaptureFormatException: " + e, e);
        }
        throw new AssertionError("no error after " + delivered + " frames");
    }

    @Test
    void truncationAtEveryOffsetNamesTheCutBlock() throws IOException {
        for (int cut = 1; cut < file.length; cut++) {
            byte[] part = Arrays.copyOf(file, cut);
            int block = 0;
            while (blockStarts[block + 1] <= cut) {
                block++;
            }
            int start = blockStarts[block];
            int frames = Math.max(0, block - 3);
            if (start == cut) {
                // a cut on a block boundary is a shorter, valid capture
                int delivered = 0;
                try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(part), NAME)) {
                    while (r.next() != null) {
                        delivered++;
                    }
                }
                assertEquals(frames, delivered, "cut at " + cut);
                continue;
            }
            int left = cut - start;
            CaptureFormatException e = failure(part, NAME, start, frames);
            String expected;
            if (cut < 4) {
                expected = "file of " + cut + " bytes is too short for a capture header";
            } else if (left < 8) {
                expected = "file ends inside a block header (" + left + " of 8 bytes)";
            } else if (block == 0 && left < 12) {
                expected = "file ends inside a section header block (" + left + " of 12 bytes)";
            } else {
                expected = "block length " + (blockStarts[block + 1] - start) + " runs past the end of the file (only "
                        + left + " bytes left)";
            }
            assertEquals(expected, e.problem(), "cut at " + cut);
        }
    }

    @Test
    void blockLengthNotAMultipleOfFour() {
        int at = packetBlock(3);
        CaptureFormatException e = failure(withInt(file, at + 4, 9), NAME, at, 2);
        assertEquals("ingress.pcapng: offset " + at + ": block length 9 is not a multiple of 4", e.getMessage());
    }

    @Test
    void blockLengthTooSmallForItsType() {
        int at = packetBlock(2);
        assertEquals("block length 28 is too small for an enhanced packet block (minimum 32)",
                failure(withInt(file, at + 4, 28), NAME, at, 1).problem());
        byte[] unknown = withInt(withInt(file, at, 0x99), at + 4, 8);
        assertEquals("block length 8 is too small for a block of type 153 (minimum 12)",
                failure(unknown, NAME, at, 1).problem());
        assertEquals("block length 16 is too small for a section header block (minimum 28)",
                failure(withInt(file, 4, 16), NAME, 0, 0).problem());
    }

    @Test
    void blockLengthBeyondTheEndOfTheFile() {
        int last = blockStarts.length - 2;
        int at = blockStarts[last];
        int length = file.length - at;
        CaptureFormatException e = failure(withInt(file, at + 4, length + 400), NAME, at, last - 3);
        assertEquals("block length " + (length + 400) + " runs past the end of the file (only " + length
                + " bytes left)", e.problem());
    }

    @Test
    void hostileBlockLengthIsRefusedWithoutAllocatingIt() {
        int at = packetBlock(1);
        CaptureFormatException e = failure(withInt(file, at + 4, 0xFFFF_FFFC), NAME, at, 0);
        assertEquals("block length 4294967292 exceeds the limit of 16777216 bytes", e.problem());
        // within the limit but far beyond the data: read as far as the data goes, then refused
        e = failure(withInt(file, at + 4, 16 * 1024 * 1024), NAME, at, 0);
        assertTrue(e.problem().startsWith("block length 16777216 runs past the end of the file"), e.problem());
    }

    @Test
    void trailingBlockLengthThatDoesNotMatch() {
        int at = packetBlock(5);
        int length = packetBlock(6) - at;
        CaptureFormatException e = failure(withInt(file, at + length - 4, length + 4), NAME, at, 4);
        assertEquals("trailing block length " + (length + 4) + " does not match the leading block length " + length,
                e.problem());
    }

    @Test
    void capturedLengthBeyondTheBlock() {
        int at = packetBlock(4);
        int room = packetBlock(5) - at - 32;
        CaptureFormatException e = failure(withInt(file, at + 20, room + 1), NAME, at, 3);
        assertEquals("captured length " + (room + 1) + " exceeds the block (room for " + room + " bytes)",
                e.problem());
    }

    @Test
    void interfaceIdWithoutDescription() {
        int at = packetBlock(7);
        CaptureFormatException e = failure(withInt(file, at + 8, 2), NAME, at, 6);
        assertEquals("interface id 2 has no interface description block (2 in this section)", e.problem());
    }

    @Test
    void optionRunningPastItsBlock() {
        // the first option of the first interface (if_name) claims 200 bytes
        int option = blockStarts[1] + 16;
        byte[] bad = file.clone();
        bad[option + 2] = (byte) 200;
        CaptureFormatException e = failure(bad, NAME, option, 0);
        assertEquals("option 2 with length 200 runs past the end of the block", e.problem());
    }

    @Test
    void badMagicsAndVersions() {
        assertEquals("unknown magic 0x47494638: neither pcap nor pcapng",
                failure("GIF89a....".getBytes(), NAME, 0, 0).problem());
        assertEquals("file is empty, not a pcap or pcapng capture", failure(new byte[0], NAME, 0, 0).problem());
        assertEquals("byte-order magic 0x4d3c2b1b is neither 1a2b3c4d nor 4d3c2b1a",
                failure(withInt(file, 8, 0x1B2B3C4D), NAME, 8, 0).problem());
        byte[] version2 = file.clone();
        version2[12] = 2;
        assertEquals("unsupported pcapng version 2.0", failure(version2, NAME, 0, 0).problem());
    }

    @Test
    void theErrorIsRaisedAgainAndTheReaderNeverLoops() throws IOException {
        byte[] bad = withInt(file, packetBlock(2) + 4, 9);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(bad), NAME)) {
            r.next();
            CaptureFormatException first = assertThrows(CaptureFormatException.class, r::next);
            assertSame(first, assertThrows(CaptureFormatException.class, r::next));
            assertEquals(1, r.framesRead());
        }
    }

    @Test
    void aFileIsNamedByItsPath(@TempDir Path tmp) throws IOException {
        Path path = tmp.resolve("egress.pcapng");
        Files.write(path, Arrays.copyOf(file, packetBlock(2) + 3));
        try (CaptureReader r = CaptureReader.open(path)) {
            r.next();
            CaptureFormatException e = assertThrows(CaptureFormatException.class, r::next);
            assertEquals(path + ": offset " + packetBlock(2) + ": file ends inside a block header (3 of 8 bytes)",
                    e.getMessage());
        }
    }

    @Test
    void timestampBeyondALongOfNanoseconds() {
        Blocks b = new Blocks(ByteOrder.BIG_ENDIAN).section(ByteOrder.BIG_ENDIAN);
        b.iface(1, 0, b.options());
        int at = b.bytes().length;
        b.enhanced(0, 1L << 62, new byte[4], 4, new byte[0]);
        assertEquals("timestamp 4611686018427387904 does not fit in a 64-bit count of nanoseconds since the epoch",
                failure(b.bytes(), "t.pcapng", at, 0).problem());
        Blocks unsigned = new Blocks(ByteOrder.LITTLE_ENDIAN).section(ByteOrder.LITTLE_ENDIAN);
        unsigned.iface(1, 0, unsigned.options(9, new byte[] {9}));
        at = unsigned.bytes().length;
        unsigned.enhanced(0, -1L, new byte[4], 4, new byte[0]);
        assertEquals("timestamp 18446744073709551615 does not fit in a 64-bit count of nanoseconds since the epoch",
                failure(unsigned.bytes(), "t.pcapng", at, 0).problem());
    }

    @Test
    void interfaceOptionsOfTheWrongSize() {
        Blocks b = new Blocks(ByteOrder.LITTLE_ENDIAN).section(ByteOrder.LITTLE_ENDIAN);
        int at = b.bytes().length;
        b.iface(1, 0, b.options(9, new byte[] {6, 6}));
        assertEquals("if_tsresol has length 2, expected 1", failure(b.bytes(), "t.pcapng", at + 16, 0).problem());
    }

    // classic pcap

    private static byte[] pcap(byte[]... frames) {
        return Blocks.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, 1, 1_700_000_000L, 5, frames);
    }

    @Test
    void pcapFileHeaderCutShort() {
        assertEquals("file ends inside the pcap file header (10 of 24 bytes)",
                failure(Arrays.copyOf(pcap(), 10), "x.pcap", 0, 0).problem());
    }

    @Test
    void pcapRecordHeaderCutShort() {
        byte[] two = pcap(new byte[10], new byte[10]);
        int second = 24 + 16 + 10;
        CaptureFormatException e = failure(Arrays.copyOf(two, second + 7), "x.pcap", second, 1);
        assertEquals("record header cut short (7 of 16 bytes)", e.problem());
    }

    @Test
    void pcapRecordDataCutShort() {
        byte[] two = pcap(new byte[10], new byte[10]);
        int second = 24 + 16 + 10;
        CaptureFormatException e = failure(Arrays.copyOf(two, two.length - 4), "x.pcap", second, 1);
        assertEquals("record length 10 runs past the end of the file (only 6 bytes left)", e.problem());
    }

    @Test
    void pcapRecordLongerThanTheSnapLengthLimit() {
        byte[] one = pcap(new byte[10]);
        byte[] bad = withInt(one, 24 + 8, 300_000);
        assertEquals("record length 300000 exceeds the snap length limit of 262144 bytes",
                failure(bad, "x.pcap", 24, 0).problem());
        assertEquals("record length 4294967295 exceeds the snap length limit of 262144 bytes",
                failure(withInt(one, 24 + 8, -1), "x.pcap", 24, 0).problem());
    }

    @Test
    void pcapUnsupportedVersion() {
        byte[] bad = pcap();
        bad[4] = 3;
        assertEquals("unsupported pcap version 3.4", failure(bad, "x.pcap", 4, 0).problem());
    }

    @Test
    void aCleanEndAfterTheLastFrame() throws IOException {
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(pcap(new byte[3])), "x.pcap")) {
            r.next();
            assertNull(r.next());
            assertNull(r.next());
        } catch (CaptureFormatException e) {
            fail(e);
        }
    }
}
