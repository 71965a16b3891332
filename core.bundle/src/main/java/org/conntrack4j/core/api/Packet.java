package org.conntrack4j.core.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One packet on its way through the hooks: a reusable flyweight over a byte array (Linux's
 * {@code sk_buff}), plus the state the hooks attach to it (connection and ctinfo, mark, devices).
 *
 * <p>Offsets given to the getters and setters are relative to the start of the network (L3) header, as
 * {@code skb->data} is in netfilter. Bytes before the network header ({@link #head()} of them) are headroom,
 * used by the replay for the link-layer header. Getters do not allocate and do not check bounds beyond
 * what the array does: callers check {@link #length()} first, as netfilter code does with
 * {@code skb_header_pointer}.
 *
 * <p>A packet belongs to one thread at a time; {@link #reset()} makes it ready for the next one.
 */
public final class Packet {
    /** Big-endian views of the byte array: one bounds check and one load per multi-byte field. */
    private static final VarHandle BE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** Largest IP packet accepted by {@link #resize}; IPv4's total length is 16 bits. */
    public static final int MAX_LENGTH = 65535;

    private byte[] data;
    private int head;
    private int len;

    /** {@link Family#IPV4} or {@link Family#IPV6}, set by whoever parses the network header. */
    public int family;
    /** The L4 protocol found by the L3 parser (after IPv6 extension headers), or -1 before parsing. */
    public int l4proto = -1;
    /** Offset of the L4 header from the network header ({@code dataoff}), or -1 before parsing. */
    public int l4off = -1;

    /** The hook being traversed ({@link Hook}). */
    public int hook;
    /** Input and output devices, where known. */
    public NetDevice in;
    public NetDevice out;
    /** Arrival time, nanoseconds since the epoch (capture time in a replay). */
    public long tstamp;
    /** The engine processing this packet. */
    public Conntrack net;

    /** The connection attached by conntrack, or null (then {@link #ctinfo} says untracked or invalid). */
    public Connection ct;
    /** The packet's {@link CtInfo}. */
    public int ctinfo;
    /** Packet mark ({@code skb->mark}). */
    public int mark;
    /** Conntrack zone the packet is tracked in (Linux's {@code ct zone set}); 0 by default. */
    public int zone;
    /** Why conntrack found the packet odd, in the kernel's words, or null; set whether or not it is logged. */
    public String reason;
    /** The reason as the kernel would log it under {@code nf_conntrack_log_invalid}, or null when not logged. */
    public String logReason;
    /** Protocol number of the tracker that gave the reason (the {@code nf_ct_proto_N} prefix of the log). */
    public int logProto;

    /** Scratch tuples for the hooks on this packet's thread (the core uses {@link #tuple}, {@link #tuple2}). */
    public final Tuple tuple = new Tuple();
    public final Tuple tuple2 = new Tuple();
    /** Free for trackers and helpers (ICMP uses it for the embedded tuple). */
    public final Tuple tuple3 = new Tuple();
    public final Tuple tuple4 = new Tuple();

    /**
     * The caller's tag for this received frame (a replay uses the frame's capture index); 0 when none. The core
     * only carries it: defragmentation keeps the tag of every fragment it holds and hands the tags back in
     * {@link #fragTags} when the datagram completes, so that the caller can report each absorbed frame.
     */
    public long frameTag;
    /**
     * Set on a datagram that defragmentation rebuilt from fragments: the number of fragments it was built from;
     * 0 for a packet that arrived whole. Sizes {@link #fragTags} and {@link #fragLengths}.
     */
    public int fragCount;
    /** The {@link #frameTag}s of those fragments, in arrival order ({@code [0, fragCount)}). */
    public long[] fragTags = NO_TAGS;
    /**
     * The fragments' payload lengths in offset order ({@code [0, fragCount)}): the shape in which Linux keeps
     * them ({@code frag_list}) and sends them out again when every one fits the outgoing MTU.
     */
    public int[] fragLengths = NO_LENGTHS;
    /**
     * Linux's {@code frag_max_size}: the largest fragment received, IP header included (IPv6: 40 bytes plus its
     * payload length), for a datagram rebuilt from fragments; 0 otherwise. The datagram leaves in fragments no
     * larger than this, and is "too big" for a link whose MTU is smaller.
     */
    public int fragMaxSize;

    private static final long[] NO_TAGS = new long[0];
    private static final int[] NO_LENGTHS = new int[0];

    public Packet() {
        this(2048);
    }

    public Packet(int capacity) {
        data = new byte[Math.max(capacity, 64)];
    }

    /** Forgets the per-packet state, keeping the buffer. */
    public Packet reset() {
        len = 0;
        family = 0;
        l4proto = -1;
        l4off = -1;
        hook = 0;
        in = null;
        out = null;
        tstamp = 0;
        net = null;
        ct = null;
        ctinfo = 0;
        mark = 0;
        zone = 0;
        reason = null;
        logReason = null;
        logProto = 0;
        frameTag = 0;
        fragCount = 0;
        fragMaxSize = 0;
        return this;
    }

    /**
     * Makes {@link #fragTags} and {@link #fragLengths} hold at least {@code n} entries (kept between packets,
     * so a reused packet stops allocating once it has seen its largest datagram).
     */
    public void ensureFragCapacity(int n) {
        if (fragTags.length < n) {
            fragTags = Arrays.copyOf(fragTags, Math.max(n, 2 * fragTags.length));
        }
        if (fragLengths.length < n) {
            fragLengths = Arrays.copyOf(fragLengths, Math.max(n, 2 * fragLengths.length));
        }
    }

    /**
     * Copies {@code n} bytes of a network-layer packet into this packet's buffer, leaving {@code headroom}
     * bytes before it. Does not touch the per-packet state.
     */
    public Packet load(byte[] src, int off, int n, int headroom) {
        int need = headroom + n;
        if (data.length < need) {
            data = new byte[Math.max(need, data.length * 2)];
        }
        System.arraycopy(src, off, data, headroom, n);
        head = headroom;
        len = n;
        return this;
    }

    /** Uses {@code buf} itself (no copy); the network header starts at {@code off}. */
    public Packet wrap(byte[] buf, int off, int n) {
        data = buf;
        head = off;
        len = n;
        return this;
    }

    /** The backing array; the network header is at {@link #head()}. */
    public byte[] array() {
        return data;
    }

    public int head() {
        return head;
    }

    /** Bytes from the network header to the end of the packet. */
    public int length() {
        return len;
    }

    /** Shortens the packet (like {@code pskb_trim}); {@code n} must not exceed the current length. */
    public void trim(int n) {
        if (n < 0 || n > len) {
            throw new IllegalArgumentException("trim to " + n + " of " + len);
        }
        len = n;
    }

    public int u8(int pos) {
        return data[head + pos] & 0xff;
    }

    public int u16(int pos) {
        return (short) BE16.get(data, head + pos) & 0xffff;
    }

    /** A big-endian 32-bit word (TCP sequence numbers compare with modular arithmetic on int). */
    public int u32(int pos) {
        return (int) BE32.get(data, head + pos);
    }

    /** A big-endian 64-bit word. */
    public long u64(int pos) {
        return (long) BE64.get(data, head + pos);
    }

    public void put8(int pos, int v) {
        data[head + pos] = (byte) v;
    }

    public void put16(int pos, int v) {
        BE16.set(data, head + pos, (short) v);
    }

    public void put32(int pos, int v) {
        BE32.set(data, head + pos, v);
    }

    /** Copies {@code n} bytes at {@code pos} out of the packet. */
    public void copyOut(int pos, byte[] dst, int dstOff, int n) {
        System.arraycopy(data, head + pos, dst, dstOff, n);
    }

    /** Writes bytes into the packet at {@code pos} (within the current length). */
    public void copyIn(int pos, byte[] src, int srcOff, int n) {
        System.arraycopy(src, srcOff, data, head + pos, n);
    }

    /** Does the given ASCII text start at {@code pos}? (case-sensitive, no allocation) */
    public boolean regionMatches(int pos, String ascii) {
        int n = ascii.length();
        if (pos < 0 || pos + n > len) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if ((data[head + pos + i] & 0xff) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Replaces {@code oldLen} bytes at {@code pos} by {@code newLen} bytes (content undefined, to be written
     * by the caller), moving the rest of the packet. Used when a helper rewrites a payload. Returns false if
     * the packet would exceed {@link #MAX_LENGTH}. Header length fields are the caller's business.
     */
    public boolean resize(int pos, int oldLen, int newLen) {
        if (pos < 0 || oldLen < 0 || newLen < 0 || pos + oldLen > len) {
            throw new IllegalArgumentException("resize " + pos + "+" + oldLen + " of " + len);
        }
        int newTotal = len - oldLen + newLen;
        if (newTotal > MAX_LENGTH) {
            return false;
        }
        if (head + newTotal > data.length) {
            data = Arrays.copyOf(data, Math.max(head + newTotal, data.length * 2));
        }
        int tail = len - pos - oldLen;
        System.arraycopy(data, head + pos + oldLen, data, head + pos + newLen, tail);
        len = newTotal;
        return true;
    }

    /** Makes room for {@code n} bytes of headroom (moving the packet if needed). */
    public void ensureHeadroom(int n) {
        if (head >= n) {
            return;
        }
        byte[] d = new byte[Math.max(data.length, n + len) + n];
        System.arraycopy(data, head, d, n, len);
        data = d;
        head = n;
    }


    /** A copy of the packet's bytes from the network header on. */
    public byte[] toBytes() {
        return Arrays.copyOfRange(data, head, head + len);
    }
}
