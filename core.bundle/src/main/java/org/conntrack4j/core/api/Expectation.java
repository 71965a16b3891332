package org.conntrack4j.core.api;

import java.util.function.BiConsumer;
import org.conntrack4j.core.spi.Helper;

/**
 * An expected connection ({@code struct nf_conntrack_expect}): a tuple and a mask that a future
 * connection's original tuple must match, the master connection that announced it, and what to do with the
 * new connection when it comes (assign a helper, follow the master's NAT binding).
 *
 * <p>A helper obtains one from {@link Conntrack#allocExpectation}, fills it with
 * {@link #init}, and hands it to {@link Conntrack#expectRelated}. Once inserted it is owned by the engine:
 * only read it.
 *
 * <p>The mask covers the source address and the source "u" field; the destination and the protocol must
 * match exactly, as in Linux.
 */
public final class Expectation {
    /** The expectation lives on after a match (not used by FTP). */
    public static final int FLAG_PERMANENT = 0x1;
    /** Not matched until activated. */
    public static final int FLAG_INACTIVE = 0x2;
    /** Created from userspace (ctnetlink). */
    public static final int FLAG_USERSPACE = 0x4;

    private final Connection master;
    private final Tuple tuple = new Tuple();
    private long maskSrcHi;
    private long maskSrcLo;
    private int maskSrcPort;
    private int cls;
    private int flags;
    private Helper helper;
    private Helper assignHelper;
    private BiConsumer<Connection, Expectation> expectFn;
    private long savedAddrHi;
    private long savedAddrLo;
    private int savedProto;
    private int dir;
    private long deadline;
    private int id;
    private volatile boolean live;

    /** Use {@link Conntrack#allocExpectation}. */
    public Expectation(Connection master, Helper helper) {
        this.master = master;
        this.helper = helper;
    }

    /**
     * Fills tuple and mask ({@code nf_ct_expect_init}). A null source address or a source port of -1
     * means "any" (masked out). Addresses are {hi, lo} pairs as in {@link Tuple}.
     */
    public Expectation init(int cls, int family, long[] src, long[] dst, int proto, int srcPort, int dstPort) {
        this.cls = cls;
        tuple.clear();
        tuple.family = family;
        tuple.proto = proto;
        tuple.dir = Direction.ORIGINAL;
        if (src != null) {
            tuple.srcHi = src[0];
            tuple.srcLo = src[1];
            maskSrcHi = family == Family.IPV4 ? 0 : -1L;
            maskSrcLo = family == Family.IPV4 ? 0xffffffffL : -1L;
        } else {
            maskSrcHi = 0;
            maskSrcLo = 0;
        }
        tuple.dstHi = dst[0];
        tuple.dstLo = dst[1];
        if (srcPort >= 0) {
            tuple.srcPort = srcPort;
            maskSrcPort = 0xffff;
        } else {
            tuple.srcPort = 0;
            maskSrcPort = 0;
        }
        tuple.dstPort = dstPort;
        return this;
    }

    /** Does a new connection's original tuple match this expectation ({@code nf_ct_tuple_mask_cmp})? */
    public boolean matches(Tuple t) {
        return t.family == tuple.family && t.proto == tuple.proto && t.dstHi == tuple.dstHi && t.dstLo == tuple.dstLo
            && t.dstPort == tuple.dstPort && ((t.srcHi ^ tuple.srcHi) & maskSrcHi) == 0
            && ((t.srcLo ^ tuple.srcLo) & maskSrcLo) == 0 && ((t.srcPort ^ tuple.srcPort) & maskSrcPort) == 0;
    }

    /** The expected tuple (the engine's copy: do not modify once inserted). */
    public Tuple tuple() {
        return tuple;
    }

    public long maskSrcHi() {
        return maskSrcHi;
    }

    public long maskSrcLo() {
        return maskSrcLo;
    }

    public int maskSrcPort() {
        return maskSrcPort;
    }

    public Connection master() {
        return master;
    }

    public int expectClass() {
        return cls;
    }

    public int flags() {
        return flags;
    }

    public Expectation setFlags(int flags) {
        this.flags = flags;
        return this;
    }

    /** The helper that created the expectation. */
    public Helper helper() {
        return helper;
    }

    /** The helper to assign to the expected connection, or null. */
    public Helper assignHelper() {
        return assignHelper;
    }

    public Expectation setAssignHelper(Helper h) {
        this.assignHelper = h;
        return this;
    }

    /** Called with the new connection when it matches (NAT: follow the master's binding), or null. */
    public BiConsumer<Connection, Expectation> expectFn() {
        return expectFn;
    }

    public Expectation setExpectFn(BiConsumer<Connection, Expectation> fn) {
        this.expectFn = fn;
        return this;
    }

    /** NAT's saved address and "u" value: where the expected connection really goes. */
    public long savedAddrHi() {
        return savedAddrHi;
    }

    public long savedAddrLo() {
        return savedAddrLo;
    }

    public int savedProto() {
        return savedProto;
    }

    /** Direction of the master that the expectation was announced in (for NAT). */
    public int dir() {
        return dir;
    }

    public Expectation setSaved(long addrHi, long addrLo, int proto, int dir) {
        this.savedAddrHi = addrHi;
        this.savedAddrLo = addrLo;
        this.savedProto = proto;
        this.dir = dir;
        return this;
    }

    /** Rewrites the expected destination "u" field (NAT moves the expected port before insertion). */
    public Expectation setDstPort(int port) {
        tuple.dstPort = port;
        return this;
    }

    /** The deadline in jiffies (set by the engine on insertion from the helper's policy). */
    public long deadline() {
        return deadline;
    }

    /** For the engine. */
    public void setDeadline(long jiffies) {
        this.deadline = jiffies;
    }

    /** For the engine: a number identifying the expectation. */
    public int id() {
        return id;
    }

    public void setId(int id) {
        this.id = id;
    }

    /** Is it in the engine's expectation table? */
    public boolean isLive() {
        return live;
    }

    /** For the engine. */
    public void setLive(boolean live) {
        this.live = live;
    }

    @Override
    public String toString() {
        return "Expectation[" + tuple + " master=" + (master == null ? "-" : Integer.toUnsignedString(master.id()))
            + " class=" + cls + "]";
    }
}
