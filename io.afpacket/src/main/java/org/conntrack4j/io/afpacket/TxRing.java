package org.conntrack4j.io.afpacket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A TPACKET_V2 transmit ring seen through a ByteBuffer: fixed slots, each a tpacket2_hdr and the frame at
 * offset 32. The writer fills the slot at its tail and marks it TP_STATUS_SEND_REQUEST; a send() on the
 * socket makes the kernel take every such slot in ring order (SENDING), and the slot becomes AVAILABLE
 * again when the device is done with the frame. The kernel only reads the ring inside that send(), so
 * between kicks only the SENDING to AVAILABLE step happens behind the writer's back. Pure Java.
 */
final class TxRing {

    // struct tpacket2_hdr; the frame follows at TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)
    static final int STATUS = 0;
    static final int LEN = 4;
    static final int DATA = 32;

    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ByteBuffer ring;
    private final int frameSize;
    private final int frames;

    private int tail;     // next slot to fill
    private int head;     // oldest slot queued and not yet taken by the kernel (the kernel's own head)
    private int queued;   // slots from head marked SEND_REQUEST

    TxRing(ByteBuffer ring, int frameSize, int frames) {
        if ((long) frameSize * frames > ring.capacity() || frameSize <= DATA) {
            throw new IllegalArgumentException("ring of " + ring.capacity() + " bytes holds no " + frames
                    + " slots of " + frameSize);
        }
        this.ring = ring.order(ByteOrder.nativeOrder());
        this.frameSize = frameSize;
        this.frames = frames;
    }

    /** The largest frame a slot holds. */
    int maxFrame() {
        return frameSize - DATA;
    }

    /** Frames queued since the last kick that the kernel has not taken. */
    int queued() {
        return queued;
    }

    /**
     * Copies a frame into the tail slot and marks it for sending.
     *
     * @return false when the tail slot is still queued or in flight (the ring is full)
     */
    boolean put(byte[] src, int off, int len) {
        int slot = tail * frameSize;
        if ((int) INT.getAcquire(ring, slot + STATUS) != TP_STATUS_AVAILABLE || queued == frames) {
            return false;
        }
        ring.put(slot + DATA, src, off, len);
        ring.putInt(slot + LEN, len);
        INT.setRelease(ring, slot + STATUS, TP_STATUS_SEND_REQUEST);
        tail = tail + 1 == frames ? 0 : tail + 1;
        queued++;
        return true;
    }

    /**
     * After a kick: moves past the slots the kernel took.
     *
     * @return bytes of the frames taken; their number is the drop of {@link #queued()}
     */
    long taken() {
        long bytes = 0;
        while (queued > 0) {
            int slot = head * frameSize;
            if ((int) INT.getAcquire(ring, slot + STATUS) == TP_STATUS_SEND_REQUEST) {
                break;
            }
            bytes += ring.getInt(slot + LEN);
            head = head + 1 == frames ? 0 : head + 1;
            queued--;
        }
        return bytes;
    }

    /**
     * Takes back every queued frame (the link is down: they would leave late or never). Safe because the
     * kernel reads SEND_REQUEST slots only inside send(), and its head is ours.
     *
     * @return how many were discarded
     */
    int discard() {
        int n = queued;
        int slot = head;
        for (int i = 0; i < n; i++) {
            INT.setRelease(ring, slot * frameSize + STATUS, TP_STATUS_AVAILABLE);
            slot = slot + 1 == frames ? 0 : slot + 1;
        }
        tail = head;
        queued = 0;
        return n;
    }
}
