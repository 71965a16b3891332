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
 * <p>The public fields are the per-packet state the kernel keeps in and beside the {@code sk_buff}: the producer
 * of the packet sets the input (devices, time, {@link #cookie}), the hooks fill in the rest (connection and ctinfo,
 * reasons, defragmentation's results). A packet belongs to one thread at a time; {@link #reset()} makes it ready
 * for the next one. Neither the engine nor a plug-in keeps a packet after the hook call it was given in.
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
    /**
     * The zone the packet is to be tracked in, as {@link Zone} packs it: a rule's zone template ({@code ct zone set},
     * with {@link Zone#TEMPLATE}) or a plain zone id; 0 by default. Conntrack looks the packet up and creates its
     * connection in it.
     */
    public int zone;
    /**
     * Length of the link-layer header kept in the headroom right before the network header
     * ({@code skb_mac_header_len}), put there by a producer that has it ({@link #macHeader}) so that rules can match
     * it ({@code ether saddr}); 0 when the packet has none.
     *
     * @since 2.1
     */
    public int macLen;
    /** Why conntrack found the packet odd, in the kernel's words, or null; set whether or not it is logged. */
    public String reason;
    /** The reason as the kernel would log it under {@code nf_conntrack_log_invalid}, or null when not logged. */
    public String logReason;
    /** Protocol number of the tracker that gave the reason (the {@code nf_ct_proto_N} prefix of the log). */
    public int logProto;
    /**
     * Who ended the packet at the last hook traversal that returned something other than {@code ACCEPT} (a drop,
     * or a packet taken over): what the deciding hook function put here (a rule, a chain's policy), else that
     * function's owner as it was registered ({@code conntrack_in (core)}, a chain's name). An object whose
     * {@code toString()} names it, made before any packet ran (so setting it allocates nothing) and formatted only
     * when someone reports it; null while every hook accepted. Each traversal starts by clearing it, and a hook
     * function that sets it returns a verdict other than {@code ACCEPT}.
     *
     * @since 2.3
     */
    public Object verdictBy;

    /** Scratch tuples for the hooks on this packet's thread (the core uses {@link #tuple}, {@link #tuple2}). */
    public final Tuple tuple = new Tuple();
    public final Tuple tuple2 = new Tuple();
    /** Free for trackers and helpers (ICMP uses it for the embedded tuple). */
    public final Tuple tuple3 = new Tuple();
    public final Tuple tuple4 = new Tuple();

    /**
     * The producer's handle for the frame it loaded into this packet: a replay puts the capture index here, a live
     * dataplane its ring slot; 0 when none. Opaque to the engine, which only carries it: when defragmentation
     * rebuilds a datagram, {@link #fragCookies} hold the cookies of the fragments it was built from, so that the
     * producer can account for every frame it handed in.
     */
    public long cookie;
    /**
     * What defragmentation did with this packet at the last hook it ran at ({@link #DEFRAG_PASSED},
     * {@link #DEFRAG_HELD}, {@link #DEFRAG_REBUILT}, {@link #DEFRAG_DROPPED}): the defrag hook (priority -400) sets
     * it, so that whoever runs the hooks learns what became of a fragment without a hook of its own.
     */
    public int defrag;
    /**
     * Set on a datagram that defragmentation rebuilt from fragments: the number of fragments it was built from;
     * 0 for a packet that arrived whole. Sizes {@link #fragCookies} and {@link #fragLengths}.
     */
    public int fragCount;
    /** The {@link #cookie}s of those fragments, in arrival order ({@code [0, fragCount)}). */
    public long[] fragCookies = NO_COOKIES;
    /**
     * The fragments' payload lengths in offset order ({@code [0, fragCount)}): the shape in which Linux keeps
     * them ({@code frag_list}) and sends them out again when every one fits the outgoing MTU.
     */
    public int[] fragLengths = NO_LENGTHS;
    /**
     * Linux's {@code frag_max_size} (IPCB / IP6CB): the largest fragment received, IP header included (IPv6: 40
     * bytes plus its payload length), for a datagram rebuilt from fragments; 0 otherwise. The datagram leaves in
     * fragments no larger than this, and is "too big" for a link whose MTU is smaller.
     */
    public int fragMaxSize;

    /** {@link #defrag}: not a fragment, or defragmentation is not in use; the packet goes on as it came. */
    public static final int DEFRAG_PASSED = 0;
    /** {@link #defrag}: a fragment, queued (or consumed) until its datagram completes; the hook returned STOLEN. */
    public static final int DEFRAG_HELD = 1;
    /** {@link #defrag}: this fragment completed its datagram; the packet now holds the whole datagram. */
    public static final int DEFRAG_REBUILT = 2;
    /** {@link #defrag}: a fragment defragmentation dropped (malformed, overlapping, over the memory limit). */
    public static final int DEFRAG_DROPPED = 3;

    private static final long[] NO_COOKIES = new long[0];
    private static final int[] NO_LENGTHS = new int[0];

    public Packet() {
        this(2048);
    }

    public Packet(int capacity) {
        data = new byte[Math.max(capacity, 64)];
    }

    /** Forgets the per-packet state, keeping the buffer (and the fragment arrays, which only grow). */
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
        macLen = 0;
        reason = null;
        logReason = null;
        logProto = 0;
        verdictBy = null;
        cookie = 0;
        defrag = DEFRAG_PASSED;
        fragCount = 0;
        fragMaxSize = 0;
        return this;
    }

    /**
     * Copies {@code n} bytes of a network-layer packet into this packet's buffer, leaving {@code headroom}
     * bytes before it. Does not touch the per-packet state.
     */
    public Packet load(byte[] src, int off, int n, int headroom) {
        int need = headroom + n;
        if (data.length < need || headroom < macLen) {
            macLen = 0; // a new buffer (or a smaller headroom) keeps no link-layer header
        }
        if (data.length < need) {
            data = new byte[Math.max(need, data.length * 2)];
        }
        System.arraycopy(src, off, data, headroom, n);
        head = headroom;
        len = n;
        return this;
    }

    /**
     * Copies the frame's link-layer header ({@code n} bytes at {@code off} of {@code src}) into the headroom right
     * before the network header, and sets {@link #macLen}; after {@link #load}. Returns false, keeping none, if the
     * headroom is too small.
     *
     * @since 2.1
     */
    public boolean macHeader(byte[] src, int off, int n) {
        if (n < 0 || n > head) {
            macLen = 0;
            return false;
        }
        System.arraycopy(src, off, data, head - n, n);
        macLen = n;
        return true;
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

    /** A copy of the packet's bytes from the network header on. */
    public byte[] toBytes() {
        return Arrays.copyOfRange(data, head, head + len);
    }
}
