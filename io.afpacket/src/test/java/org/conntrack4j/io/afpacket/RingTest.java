package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The ring walkers over synthetic rings laid out as the kernel lays them. */
class RingTest {
    static final int BLOCK = 4096;

    /** Writes a closed block holding frames of the given lengths; returns the frame header offsets. */
    static int[] block(ByteBuffer ring, int index, int... lengths) {
        int base = index * BLOCK;
        int[] hdrs = new int[lengths.length];
        int off = RxRing.BLOCK_DESC_LEN;
        for (int i = 0; i < lengths.length; i++) {
            int hdr = base + off;
            hdrs[i] = hdr;
            int mac = 80;
            ring.putInt(hdr + RxRing.SNAPLEN, lengths[i]);
            ring.putInt(hdr + RxRing.LEN, lengths[i]);
            ring.putShort(hdr + RxRing.MAC, (short) mac);
            ring.putInt(hdr + RxRing.SEC, 2);
            ring.putInt(hdr + RxRing.NSEC, 5);
            ring.put(hdr + RxRing.SLL_PKTTYPE, (byte) i);
            ring.put(hdr + mac, (byte) (index * 16 + i));
            int next = (mac + lengths[i] + 15) & ~15;
            ring.putInt(hdr + RxRing.NEXT_OFFSET, i == lengths.length - 1 ? 0 : next);
            off += next;
        }
        ring.putInt(base + RxRing.BLOCK_NUM_PKTS, lengths.length);
        ring.putInt(base + RxRing.BLOCK_FIRST_PKT, RxRing.BLOCK_DESC_LEN);
        ring.putInt(base + RxRing.BLOCK_STATUS, RxRing.TP_STATUS_USER);
        return hdrs;
    }

    static ByteBuffer ring(int blocks) {
        return ByteBuffer.allocateDirect(blocks * BLOCK).order(ByteOrder.nativeOrder());
    }

    @Test
    void framesComeInRingOrderAndBlocksGoBackAfterTheirLastFrame() {
        ByteBuffer buf = ring(2);
        RxRing rx = new RxRing(buf, BLOCK, 2);
        assertEquals(-1, rx.peek(), "nothing handed over yet");
        block(buf, 0, 60, 100);
        block(buf, 1, 70);
        int[] seen = new int[3];
        for (int i = 0; i < 3; i++) {
            int hdr = rx.peek();
            assertTrue(hdr >= 0);
            assertEquals(hdr, rx.peek(), "peek does not move");
            seen[i] = buf.get(rx.data(hdr));
            if (i == 1) {
                assertEquals(RxRing.TP_STATUS_USER, buf.getInt(RxRing.BLOCK_STATUS), "block 0 held while read");
                assertEquals(100, rx.snaplen(hdr));
                assertEquals(1, rx.packetType(hdr));
                assertEquals(2_000_000_005L, rx.timestampNanos(hdr));
            }
            rx.consume();
        }
        assertArrayEquals(new int[] {0, 1, 16}, seen);
        assertEquals(RxRing.TP_STATUS_KERNEL, buf.getInt(RxRing.BLOCK_STATUS));
        assertEquals(RxRing.TP_STATUS_KERNEL, buf.getInt(BLOCK + RxRing.BLOCK_STATUS));
        assertEquals(-1, rx.peek());
        block(buf, 0, 64);
        assertEquals(0, buf.get(rx.data(rx.peek())), "wraps around to block 0");
        assertEquals(0, rx.badBlocks());
    }

    @Test
    void aBlockPointingOutsideItselfIsGivenBackUnreadAndCounted() {
        ByteBuffer buf = ring(2);
        RxRing rx = new RxRing(buf, BLOCK, 2);
        int[] hdrs = block(buf, 0, 60, 60);
        buf.putInt(hdrs[0] + RxRing.NEXT_OFFSET, BLOCK * 3);
        block(buf, 1, 70);
        int hdr = rx.peek();
        assertEquals(0, buf.get(rx.data(hdr)));
        rx.consume();
        assertEquals(16, buf.get(rx.data(rx.peek())), "skipped to the next block");
        assertEquals(1, rx.badBlocks());
        assertEquals(RxRing.TP_STATUS_KERNEL, buf.getInt(RxRing.BLOCK_STATUS));

        ByteBuffer buf2 = ring(2);
        RxRing rx2 = new RxRing(buf2, BLOCK, 2);
        int[] h2 = block(buf2, 0, 60);
        buf2.putInt(h2[0] + RxRing.SNAPLEN, BLOCK);
        assertEquals(-1, rx2.peek(), "snaplen beyond the block");
        assertEquals(1, rx2.badBlocks());
    }

    @Test
    void txRingFillsUpThenFreesWhatTheKernelTook() {
        int frame = 256;
        ByteBuffer buf = ByteBuffer.allocateDirect(4 * frame).order(ByteOrder.nativeOrder());
        TxRing tx = new TxRing(buf, frame, 4);
        byte[] f = new byte[100];
        for (int i = 0; i < 4; i++) {
            f[0] = (byte) i;
            assertTrue(tx.put(f, 0, 60 + i));
        }
        assertFalse(tx.put(f, 0, 60), "full");
        assertEquals(4, tx.queued());
        assertEquals(TxRing.TP_STATUS_SEND_REQUEST, buf.getInt(0));
        assertEquals(61, buf.getInt(frame + TxRing.LEN));
        assertEquals(2, buf.get(2 * frame + TxRing.DATA));
        // the kernel took two (one still in flight, one done) and stopped
        buf.putInt(0, 2);
        buf.putInt(frame, TxRing.TP_STATUS_AVAILABLE);
        assertEquals(121, tx.taken());
        assertEquals(2, tx.queued());
        assertFalse(tx.put(f, 0, 60), "slot 0 still in flight");
        buf.putInt(0, TxRing.TP_STATUS_AVAILABLE);
        assertTrue(tx.put(f, 0, 60));
        assertEquals(3, tx.queued());
        assertEquals(3, tx.discard(), "link down: queued frames taken back");
        assertEquals(TxRing.TP_STATUS_AVAILABLE, buf.getInt(2 * frame));
        assertEquals(TxRing.TP_STATUS_AVAILABLE, buf.getInt(0));
        f[0] = 9;
        assertTrue(tx.put(f, 0, 60));
        assertEquals(9, buf.get(2 * frame + TxRing.DATA), "refilled from the kernel's head");
    }
}
