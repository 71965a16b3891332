package org.conntrack4j.replay.pcap;

import java.util.Arrays;

/**
 * One frame of a capture: a flyweight that {@link CaptureReader#next()} refills for every frame.
 *
 * <p>Ownership: the frame object and the array behind {@link #array()} belong to the reader and are overwritten by
 * the next call to {@code next()}. A caller that keeps the bytes must copy them ({@link #copyBytes()} returns a
 * fresh array the caller owns). Everything else (numbers, the interface name, the comment) is immutable and may be
 * kept.
 */
public final class CaptureFrame {
    private int index;
    private long timestampNanos;
    private boolean hasTimestamp;
    private int interfaceIndex;
    private String interfaceName;
    private int linkType;
    private long originalLength;
    private byte[] array;
    private int offset;
    private int capturedLength;
    private String comment;
    private long flags;

    CaptureFrame() {
    }

    void set(int index, int interfaceIndex, String interfaceName, int linkType, byte[] array, int offset,
            int capturedLength, long originalLength) {
        this.index = index;
        this.interfaceIndex = interfaceIndex;
        this.interfaceName = interfaceName;
        this.linkType = linkType;
        this.array = array;
        this.offset = offset;
        this.capturedLength = capturedLength;
        this.originalLength = originalLength;
        this.timestampNanos = 0;
        this.hasTimestamp = false;
        this.comment = null;
        this.flags = 0;
    }

    void timestamp(long nanos) {
        this.timestampNanos = nanos;
        this.hasTimestamp = true;
    }

    void comment(String text) {
        this.comment = text;
    }

    void flags(long value) {
        this.flags = value;
    }

    /** Position of the frame in the capture, from 1. */
    public int index() {
        return index;
    }

    /** Capture time in nanoseconds since the Unix epoch; 0 for a pcapng Simple Packet Block, which has none. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** False only for a pcapng Simple Packet Block. */
    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /** Interface number within its pcapng section; 0 in a classic pcap file. */
    public int interfaceIndex() {
        return interfaceIndex;
    }

    /** The interface's {@code if_name} option, or null (always null in a classic pcap file). */
    public String interfaceName() {
        return interfaceName;
    }

    /** LINKTYPE_ value of the frame's interface, see {@link LinkType}. */
    public int linkType() {
        return linkType;
    }

    /** Length of the packet on the wire; may exceed {@link #capturedLength()} when the capture was cut short. */
    public long originalLength() {
        return originalLength;
    }

    /** Number of bytes captured. */
    public int capturedLength() {
        return capturedLength;
    }

    /** The shared array holding the captured bytes at {@link #offset()}; overwritten by the next frame. */
    public byte[] array() {
        return array;
    }

    /** Where the captured bytes start in {@link #array()}. */
    public int offset() {
        return offset;
    }

    /** Captured byte {@code i} (0-based within the frame) as 0..255. */
    public int getUnsignedByte(int i) {
        if (i < 0 || i >= capturedLength) {
            throw new IndexOutOfBoundsException("byte " + i + " of a " + capturedLength + "-byte frame");
        }
        return array[offset + i] & 0xFF;
    }

    /** A fresh copy of the captured bytes, which the caller owns. */
    public byte[] copyBytes() {
        return Arrays.copyOfRange(array, offset, offset + capturedLength);
    }

    /** The first {@code opt_comment} of the packet block, or null. */
    public String comment() {
        return comment;
    }

    /** The pcapng {@code epb_flags} word (bits 0-1: 1 inbound, 2 outbound), or 0 when absent. */
    public long flags() {
        return flags;
    }

    @Override
    public String toString() {
        return "frame " + index + " if=" + interfaceIndex + (interfaceName == null ? "" : "(" + interfaceName + ")")
                + " linktype=" + linkType + " caplen=" + capturedLength + " len=" + originalLength
                + " ts=" + timestampNanos + (comment == null ? "" : " comment=" + comment);
    }
}
