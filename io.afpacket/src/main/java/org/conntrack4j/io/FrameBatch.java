package org.conntrack4j.io;

/**
 * A reusable set of frames in one byte array: frame {@code i} starts at {@code offset(i) = i * slotSize()}
 * and may grow in place up to the end of its slot (room for a NAT or helper rewrite). Received frames
 * come with their kernel receive time and packet type. Owned by its creator, used by one thread at a time;
 * it allocates nothing after construction.
 *
 * <p>A receiver fills it through {@link #commit}; a sender builds one with {@link #add} (or writes a slot
 * and commits) and passes it to {@link PacketQueue#send(FrameBatch)}.
 */
public final class FrameBatch {

    /** Packet types ({@code sll_pkttype}, Linux's {@code PACKET_HOST} ...): to this host's address. */
    public static final int PACKET_HOST = 0;
    /** To the broadcast address. */
    public static final int PACKET_BROADCAST = 1;
    /** To a multicast address. */
    public static final int PACKET_MULTICAST = 2;
    /** To another host's unicast address (seen in promiscuous mode). */
    public static final int PACKET_OTHERHOST = 3;
    /** The largest slot: room for a 64 KiB super-frame, its Ethernet header, VLAN tags and a rewrite. */
    public static final int MAX_SLOT = 128 * 1024;

    private final byte[] buffer;
    private final int slotSize;
    private final int[] lengths;
    private final long[] timestamps;
    private final byte[] types;
    private final int[] gsoSizes;
    private int count;

    /**
     * @param capacity frames it holds (1 to 65536)
     * @param slotSize bytes per frame (64 to {@link #MAX_SLOT}); at least the MTU plus 18 to receive every
     *     frame of a device (a larger frame is dropped and counted as invalid), and 65,557 to receive
     *     every super-frame whole
     */
    public FrameBatch(int capacity, int slotSize) {
        if (capacity < 1 || capacity > 65536) {
            throw new IllegalArgumentException("capacity " + capacity + " is outside 1..65536");
        }
        if (slotSize < 64 || slotSize > MAX_SLOT) {
            throw new IllegalArgumentException("slotSize " + slotSize + " is outside 64.." + MAX_SLOT);
        }
        this.buffer = new byte[Math.multiplyExact(capacity, slotSize)];
        this.slotSize = slotSize;
        this.lengths = new int[capacity];
        this.timestamps = new long[capacity];
        this.types = new byte[capacity];
        this.gsoSizes = new int[capacity];
    }

    /** The array holding every frame. */
    public byte[] buffer() {
        return buffer;
    }

    public int capacity() {
        return lengths.length;
    }

    public int slotSize() {
        return slotSize;
    }

    /** Frames in the batch. */
    public int count() {
        return count;
    }

    /** Where frame {@code i} (or the next free slot, for {@code i == count()}) starts in {@link #buffer()}. */
    public int offset(int i) {
        return i * slotSize;
    }

    public int length(int i) {
        return lengths[i];
    }

    /** Sets frame {@code i}'s length after an in-place rewrite; 0 to {@code slotSize()}. */
    public void setLength(int i, int length) {
        if (i < 0 || i >= count || length < 0 || length > slotSize) {
            throw new IndexOutOfBoundsException("frame " + i + " length " + length);
        }
        lengths[i] = length;
    }

    /** Kernel receive time of frame {@code i}, nanoseconds since the epoch (CLOCK_REALTIME); 0 if unknown. */
    public long timestamp(int i) {
        return timestamps[i];
    }

    /** {@link #PACKET_HOST}, {@link #PACKET_BROADCAST}, {@link #PACKET_MULTICAST} or {@link #PACKET_OTHERHOST}. */
    public int packetType(int i) {
        return types[i];
    }

    /**
     * 0 for an ordinary frame; for a super-frame received whole ({@link DeviceConfig#gso}), the payload
     * bytes per segment it would be cut into (the kernel's gso_size): a TCP or UDP packet over IPv4 with DF
     * or IPv6, larger than the MTU, whose transport checksum is complete over all of it.
     */
    public int gsoSize(int i) {
        return gsoSizes[i];
    }

    public boolean isFull() {
        return count == lengths.length;
    }

    /** Empties the batch (the bytes stay until overwritten). */
    public void clear() {
        count = 0;
    }

    /**
     * Appends the frame written at {@code offset(count())}.
     *
     * @return its index
     * @throws IndexOutOfBoundsException if the batch is full or {@code length} exceeds the slot
     */
    public int commit(int length, long timestampNanos, int packetType) {
        return commit(length, timestampNanos, packetType, 0);
    }

    /** As {@link #commit(int, long, int)}, for a super-frame of segments of {@code gsoSize} bytes (0: none). */
    public int commit(int length, long timestampNanos, int packetType, int gsoSize) {
        if (count == lengths.length || length < 0 || length > slotSize) {
            throw new IndexOutOfBoundsException("commit of " + length + " bytes at frame " + count + " of "
                    + lengths.length + " (slot " + slotSize + ")");
        }
        lengths[count] = length;
        timestamps[count] = timestampNanos;
        types[count] = (byte) packetType;
        gsoSizes[count] = Math.max(0, gsoSize);
        return count++;
    }

    /**
     * Copies a frame in.
     *
     * @return its index, or -1 when the batch is full or the frame is longer than a slot
     */
    public int add(byte[] frame, int offset, int length) {
        if (count == lengths.length || length > slotSize) {
            return -1;
        }
        System.arraycopy(frame, offset, buffer, count * slotSize, length);
        return commit(length, 0, PACKET_HOST);
    }
}
