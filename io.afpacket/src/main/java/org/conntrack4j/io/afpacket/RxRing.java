package org.conntrack4j.io.afpacket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A TPACKET_V3 receive ring seen through a ByteBuffer: blocks handed over by the kernel in turn, each with
 * a run of variable-size frames. Pure Java (the tests drive it over synthetic blocks). Block ownership is
 * the block's status word: the kernel sets TP_STATUS_USER when it closes a block (full, or its retire timer
 * fired), the reader gives it back with TP_STATUS_KERNEL once every frame is copied out. The reader walks
 * blocks in ring order, as the kernel fills them.
 *
 * <p>Everything the kernel wrote is bounds-checked before use: a block whose frame headers point outside
 * it is given back unread and counted, so a bad block can cost frames but never an exception.
 */
final class RxRing {

    // struct tpacket_block_desc with tpacket_hdr_v1 (linux/if_packet.h)
    static final int BLOCK_STATUS = 8;
    static final int BLOCK_NUM_PKTS = 12;
    static final int BLOCK_FIRST_PKT = 16;
    static final int BLOCK_DESC_LEN = 48;

    // struct tpacket3_hdr, then struct sockaddr_ll at TPACKET_ALIGN(sizeof) = 48
    static final int NEXT_OFFSET = 0;
    static final int SEC = 4;
    static final int NSEC = 8;
    static final int SNAPLEN = 12;
    static final int LEN = 16;
    static final int STATUS = 20;
    static final int MAC = 24;
    static final int VLAN_TCI = 32;
    static final int VLAN_TPID = 36;
    static final int SLL = 48;
    static final int SLL_PKTTYPE = SLL + 10;
    static final int HDR_LEN = SLL + 20;

    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_CSUMNOTREADY = 0x8;
    static final int TP_STATUS_VLAN_VALID = 0x10;
    static final int TP_STATUS_VLAN_TPID_VALID = 0x40;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ByteBuffer ring;
    private final int blockSize;
    private final int blocks;

    private int block;        // index of the block being read (or waited for)
    private boolean open;     // the reader owns `block`
    private int remaining;    // frames of the open block not yet consumed
    private int frame;        // offset of the current frame header
    private long badBlocks;

    RxRing(ByteBuffer ring, int blockSize, int blocks) {
        if ((long) blockSize * blocks > ring.capacity()) {
            throw new IllegalArgumentException("ring of " + ring.capacity() + " bytes holds no " + blocks
                    + " blocks of " + blockSize);
        }
        this.ring = ring.order(ByteOrder.nativeOrder());
        this.blockSize = blockSize;
        this.blocks = blocks;
    }

    ByteBuffer buffer() {
        return ring;
    }

    /** Blocks given back unread because their frame headers did not fit in them. */
    long badBlocks() {
        return badBlocks;
    }

    /**
     * The offset of the next frame's tpacket3_hdr, or -1 when the kernel has handed over no block
     * (then poll). The frame stays valid until {@link #consume()}.
     */
    int peek() {
        while (true) {
            if (open) {
                if (remaining > 0) {
                    return frame;
                }
                release();
                continue;
            }
            int base = block * blockSize;
            if (((int) INT.getAcquire(ring, base + BLOCK_STATUS) & TP_STATUS_USER) == 0) {
                return -1;
            }
            open = true;
            int n = ring.getInt(base + BLOCK_NUM_PKTS);
            int first = ring.getInt(base + BLOCK_FIRST_PKT);
            if (n < 0 || (n > 0 && !frameFits(base, first))) {
                badBlocks++;
                remaining = 0;
            } else {
                remaining = n;
                frame = base + first;
            }
        }
    }

    /** Done with the frame {@link #peek()} returned: moves to the next one, giving the block back after its last. */
    void consume() {
        if (!open || remaining == 0) {
            return;
        }
        remaining--;
        if (remaining == 0) {
            release();
            return;
        }
        int next = ring.getInt(frame + NEXT_OFFSET);
        int base = block * blockSize;
        if (next <= 0 || !frameFits(base, frame - base + next)) {
            badBlocks++;
            release();
            return;
        }
        frame += next;
    }

    /** True if a frame header at {@code offset} in the block at {@code base}, and its data, lie inside the block. */
    private boolean frameFits(int base, int offset) {
        if (offset < BLOCK_DESC_LEN || offset > blockSize - HDR_LEN || (offset & 3) != 0) {
            return false;
        }
        int hdr = base + offset;
        int mac = ring.getShort(hdr + MAC) & 0xffff;
        int snaplen = ring.getInt(hdr + SNAPLEN);
        return mac >= HDR_LEN && snaplen >= 0 && (long) offset + mac + snaplen <= blockSize;
    }

    private void release() {
        INT.setRelease(ring, block * blockSize + BLOCK_STATUS, TP_STATUS_KERNEL);
        open = false;
        remaining = 0;
        block = block + 1 == blocks ? 0 : block + 1;
    }

    // per-frame fields, at the header offset peek() returned

    int snaplen(int hdr) {
        return ring.getInt(hdr + SNAPLEN);
    }

    int wireLength(int hdr) {
        return ring.getInt(hdr + LEN);
    }

    int status(int hdr) {
        return ring.getInt(hdr + STATUS);
    }

    /** Absolute offset of the frame's first byte (the destination MAC). */
    int data(int hdr) {
        return hdr + (ring.getShort(hdr + MAC) & 0xffff);
    }

    long timestampNanos(int hdr) {
        return (ring.getInt(hdr + SEC) & 0xffffffffL) * 1_000_000_000L + (ring.getInt(hdr + NSEC) & 0xffffffffL);
    }

    int packetType(int hdr) {
        return ring.get(hdr + SLL_PKTTYPE) & 0xff;
    }

    int vlanTci(int hdr) {
        return ring.getInt(hdr + VLAN_TCI) & 0xffff;
    }

    int vlanTpid(int hdr) {
        return ring.getShort(hdr + VLAN_TPID) & 0xffff;
    }
}
