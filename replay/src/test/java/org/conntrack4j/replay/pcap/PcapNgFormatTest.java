package org.conntrack4j.replay.pcap;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** pcapng and pcap features the oracle files do not use, on hand-built captures. */
class PcapNgFormatTest {
    private static final byte[] DATA = {1, 2, 3, 4, 5, 6, 7};

    enum Order {
        LITTLE(LITTLE_ENDIAN), BIG(BIG_ENDIAN);

        final ByteOrder order;

        Order(ByteOrder order) {
            this.order = order;
        }
    }


    private static CaptureReader reader(byte[] capture) throws IOException {
        return CaptureReader.open(new ByteArrayInputStream(capture), "test.pcapng");
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void readsASectionInEitherByteOrderWithNameResolutionCommentAndFlags(Order o) throws IOException {
        Blocks b = new Blocks(o.order).section(o.order);
        b.iface(LinkType.ETHERNET, 65535, b.options(2, "eth0", 9, new byte[] {6}))
                .enhanced(0, 1_700_000_000_123_456L, DATA, 60,
                        b.options(1, "first", 1, "second", 2, b.u32(1)));
        try (CaptureReader r = reader(b.bytes())) {
            CaptureFrame f = r.next();
            assertEquals(1, f.index());
            assertEquals(1_700_000_000_123_456_000L, f.timestampNanos());
            assertEquals("eth0", f.interfaceName());
            assertEquals(0, f.interfaceIndex());
            assertEquals(LinkType.ETHERNET, f.linkType());
            assertEquals(7, f.capturedLength());
            assertEquals(60, f.originalLength());
            assertArrayEquals(DATA, f.copyBytes());
            assertEquals("first", f.comment(), "the first opt_comment");
            assertEquals(1, f.flags());
            assertNull(r.next());
        }
    }

    @Test
    void defaultResolutionIsMicroseconds() throws IOException {
        Blocks b = new Blocks(LITTLE_ENDIAN).section(LITTLE_ENDIAN);
        b.iface(1, 0, b.options()).enhanced(0, 5_000_001L, DATA, 7, new byte[0]);
        try (CaptureReader r = reader(b.bytes())) {
            CaptureFrame f = r.next();
            assertEquals(5_000_001_000L, f.timestampNanos());
            assertNull(f.interfaceName());
            assertNull(f.comment());
            assertEquals(0, f.flags());
        }
    }

    @Test
    void resolutionsInPowersOfTenAndTwoAndAnOffset() throws IOException {
        Blocks b = new Blocks(LITTLE_ENDIAN).section(LITTLE_ENDIAN);
        b.iface(1, 0, b.options(9, new byte[] {3}))                     // milliseconds
                .iface(1, 0, b.options(9, new byte[] {9}))              // nanoseconds
                .iface(1, 0, b.options(9, new byte[] {(byte) 0x8A}))    // 2^-10 s
                .iface(1, 0, b.options(9, new byte[] {12}))             // picoseconds, rounded down
                .iface(1, 0, b.options(9, new byte[] {0}, 14, b.u64(100))) // seconds, plus 100 s
                .enhanced(0, 1500, DATA, 7, new byte[0])
                .enhanced(1, 1_234_567_891L, DATA, 7, new byte[0])
                .enhanced(2, 3 * 1024 + 512, DATA, 7, new byte[0])
                .enhanced(3, 2_000_000_001_999L, DATA, 7, new byte[0])
                .enhanced(4, 7, DATA, 7, new byte[0]);
        long[] expected = {1_500_000_000L, 1_234_567_891L, 3_500_000_000L, 2_000_000_001L, 107_000_000_000L};
        try (CaptureReader r = reader(b.bytes())) {
            for (int i = 0; i < expected.length; i++) {
                CaptureFrame f = r.next();
                assertEquals(i, f.interfaceIndex());
                assertEquals(expected[i], f.timestampNanos(), "interface " + i);
            }
        }
    }

    @Test
    void severalSectionsInDifferentByteOrdersEachWithTheirOwnInterfaces() throws IOException {
        Blocks b = new Blocks(LITTLE_ENDIAN).section(LITTLE_ENDIAN);
        b.iface(1, 0, b.options(2, "lan")).iface(1, 0, b.options(2, "wan")).enhanced(1, 1, DATA, 7, new byte[0]);
        b.section(BIG_ENDIAN);
        b.iface(LinkType.RAW, 0, b.options(2, "tun0", 9, new byte[] {9})).enhanced(0, 42, DATA, 7, new byte[0]);
        try (CaptureReader r = reader(b.bytes())) {
            CaptureFrame f = r.next();
            assertEquals("wan", f.interfaceName());
            f = r.next();
            assertEquals(2, f.index());
            assertEquals("tun0", f.interfaceName(), "interface ids restart in a new section");
            assertEquals(0, f.interfaceIndex());
            assertEquals(LinkType.RAW, f.linkType());
            assertEquals(42, f.timestampNanos());
            assertNull(r.next());
        }
    }

    @Test
    void simpleAndObsoletePacketBlocksAndUnknownBlocksSkipped() throws IOException {
        Blocks b = new Blocks(BIG_ENDIAN).section(BIG_ENDIAN);
        b.iface(1, 4, b.options(2, "eth0"))
                .block(0x0BAD, new byte[] {9, 9, 9, 9, 9})  // custom block, skipped
                .block(5, new byte[20])                      // interface statistics, skipped
                .simple(DATA, 7)                             // snap length 4 cuts it
                .obsolete(0, 2_000_000, DATA, b.options(1, "old"));
        try (CaptureReader r = reader(b.bytes())) {
            CaptureFrame f = r.next();
            assertEquals(1, f.index());
            assertFalse(f.hasTimestamp());
            assertEquals(4, f.capturedLength(), "simple packet block cut to the snap length");
            assertEquals(7, f.originalLength());
            assertArrayEquals(new byte[] {1, 2, 3, 4}, f.copyBytes());
            f = r.next();
            assertEquals(2, f.index());
            assertTrue(f.hasTimestamp());
            assertEquals(2_000_000_000L, f.timestampNanos());
            assertArrayEquals(DATA, f.copyBytes());
            assertEquals("old", f.comment());
            assertNull(r.next());
        }
    }

    @Test
    void theFrameIsAFlyweightButCopiesAreTheCallers() throws IOException {
        Blocks b = new Blocks(LITTLE_ENDIAN).section(LITTLE_ENDIAN);
        b.iface(1, 0, b.options()).enhanced(0, 1, DATA, 7, new byte[0]).enhanced(0, 2, new byte[] {9, 9}, 2,
                new byte[0]);
        try (CaptureReader r = reader(b.bytes())) {
            CaptureFrame first = r.next();
            byte[] kept = first.copyBytes();
            CaptureFrame second = r.next();
            assertTrue(first == second, "one frame object, refilled");
            assertArrayEquals(DATA, kept);
            assertNotSame(kept, second.array());
            assertEquals(9, second.getUnsignedByte(1));
        }
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void classicPcapWithMicrosecondAndNanosecondMagic(Order o) throws IOException {
        byte[] micro = Blocks.pcap(o.order, false, 65535, LinkType.LINUX_SLL, 1_700_000_000L, 999_999, DATA, DATA);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(micro), "micro.pcap")) {
            assertEquals(CaptureReader.Format.PCAP, r.format());
            CaptureFrame f = r.next();
            assertEquals(1_700_000_000_999_999_000L, f.timestampNanos());
            assertEquals(LinkType.LINUX_SLL, f.linkType());
            assertNull(f.interfaceName());
            assertArrayEquals(DATA, f.copyBytes());
            assertEquals(2, r.next().index());
            assertNull(r.next());
        }
        byte[] nano = Blocks.pcap(o.order, true, 65535, 1, 1_700_000_000L, 999_999_999, DATA);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(nano), "nano.pcap")) {
            assertEquals(1_700_000_000_999_999_999L, r.next().timestampNanos());
        }
    }
}
