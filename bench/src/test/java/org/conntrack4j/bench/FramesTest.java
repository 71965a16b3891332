package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

class FramesTest {
    /** OVS tests/test-conntrack.c's packet, thread 0: UDP 1 -> 2. */
    private static final String OVS_FRAME = "50540000000a50540000000908004500001c000000000011a4cd0a0101010a010102"
        + "0001000200080000";

    private static Packet parsed(byte[] frame) {
        Packet p = new Packet();
        p.load(frame, Frames.ETH, frame.length - Frames.ETH, Frames.ETH);
        assertNull(IpHeaders.validate(p), "the IP layer accepts the packet");
        return p;
    }

    @Test
    void workloadAFrameIsOvsPacketByteForByte() {
        assertArrayEquals(HexFormat.of().parseHex(OVS_FRAME), Frames.udp(1, 2));
    }

    @Test
    void workloadAFrameParsesAsTheBenchmarkPacket() {
        byte[] f = Frames.udp(3, 2);
        assertEquals(42, f.length);
        Packet p = parsed(f);
        assertEquals(28, p.length());
        assertEquals(0x45, p.u8(0));
        assertEquals(0, p.u16(4), "id");
        assertEquals(0, p.u8(8), "TTL");
        assertEquals(IpProto.UDP, p.u8(9));
        assertEquals(0x0a010101, p.u32(12));
        assertEquals(0x0a010102, p.u32(16));
        assertEquals(3, p.u16(20), "source port 1 + thread index 2");
        assertEquals(2, p.u16(22));
        assertEquals(8, p.u16(24));
        assertEquals(0, p.u16(26), "no UDP checksum");
    }

    @Test
    void tcpFramesKeepValidChecksumsWhenSequenceNumbersAdvance() {
        byte[] f = Frames.tcp(0x0a000002, 0xcb00710a, 40000, 80, 0x9a3b1c06, 0x41f077e3, Frames.ACK | Frames.PSH, 502,
            Frames.TS_OPTIONS, 100);
        assertTrue(Checksum.l4Valid(parsed(f), 20, IpProto.TCP));
        int seq = 0x9a3b1c06;
        for (int i = 0; i < 1000; i++) {
            seq += 0x10001 * 100;
            Frames.setSeqAck(f, seq, ~seq);
            Packet p = parsed(f);
            assertEquals(seq, p.u32(24));
            assertEquals(~seq, p.u32(28));
            assertTrue(Checksum.l4Valid(p, 20, IpProto.TCP), "after update " + i);
        }
    }

    @Test
    void synCarriesLinuxOptionsPaddedToWholeWords() {
        byte[] f = Frames.tcp(1, 2, 3, 4, 5, 0, Frames.SYN, 64240, Frames.SYN_OPTIONS, 0);
        Packet p = parsed(f);
        assertEquals(40, (p.u8(32) >>> 4) * 4, "data offset");
        assertEquals(60, p.length());
        assertTrue(Checksum.l4Valid(p, 20, IpProto.TCP));
    }
}
