package org.conntrack4j.core.api;

import java.util.function.BiConsumer;
import org.conntrack4j.core.spi.Helper;

/**
 * What a helper asks the engine to expect ({@code nf_ct_expect_alloc} plus {@code nf_ct_expect_init} and the fields
 * a helper sets before {@code nf_ct_expect_related}). Owned by the plug-in that builds it: mutable, not
 * thread-safe, and never kept by the engine, which copies it into its own {@link Expectation} on
 * {@link PluginServices#expectRelated}. NAT may move the destination port before insertion
 * ({@code Nat.expectWithFreePort}).
 *
 * <pre>
 *   ExpectationRequest req = new ExpectationRequest(ct)
 *       .init(CLASS, ct.family(), peerAddress, address, IpProto.TCP, -1, port);
 *   int err = net.services().expectRelated(req);
 * </pre>
 */
public final class ExpectationRequest {
    private final Connection master;
    private final Tuple tuple = new Tuple();
    private long maskSrcHi;
    private long maskSrcLo;
    private int maskSrcPort;
    private int cls;
    private int flags;
    private Helper assignHelper;
    private BiConsumer<Connection, Expectation> expectFn;
    private long savedAddrHi;
    private long savedAddrLo;
    private int savedProto;
    private int dir;
    private long timeoutSeconds = -1;

    /**
     * A request for an expectation of {@code master}: a connection with a helper, or any connection for a request
     * with its own {@link #timeoutSeconds(long) timeout}.
     */
    public ExpectationRequest(Connection master) {
        if (master == null) {
            throw new IllegalArgumentException("an expectation needs a master connection");
        }
        this.master = master;
    }

    /**
     * Fills tuple and mask ({@code nf_ct_expect_init}). A null source address or a source port of -1 means "any"
     * (masked out). Addresses are {hi, lo} pairs as in {@link Tuple}.
     */
    public ExpectationRequest init(int expectClass, int family, long[] src, long[] dst, int proto, int srcPort,
        int dstPort) {
        this.cls = expectClass;
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

    /** Sets the {@code Expectation.FLAG_*} flags. */
    public ExpectationRequest flags(int f) {
        this.flags = f;
        return this;
    }

    /**
     * The expectation's lifetime in seconds, for an expectation made without a helper, as nftables' {@code ct
     * expectation} objects make them ({@code nft_ct_expect_obj_eval}): the master then needs no helper. When the
     * master has a helper, its policy's timeout wins, as in Linux. Negative: none (the default).
     *
     * @since 2.1
     */
    public ExpectationRequest timeoutSeconds(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /** The lifetime given with {@link #timeoutSeconds(long)}, or -1. @since 2.1 */
    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    /** The helper to attach to the expected connection when it comes. */
    public ExpectationRequest assignHelper(Helper h) {
        this.assignHelper = h;
        return this;
    }

    /** Called with the new connection when it matches (NAT: {@code Nat::followMaster}). */
    public ExpectationRequest expectFn(BiConsumer<Connection, Expectation> fn) {
        this.expectFn = fn;
        return this;
    }

    /** NAT's saved address and "u" value, and the direction to bind the expected connection in. */
    public ExpectationRequest saved(long addrHi, long addrLo, int proto, int direction) {
        this.savedAddrHi = addrHi;
        this.savedAddrLo = addrLo;
        this.savedProto = proto;
        this.dir = direction;
        return this;
    }

    /**
     * Moves the expected destination address (NAT, before insertion: {@code nf_nat_ftp} points it at the address the
     * peer will connect to).
     */
    public ExpectationRequest dst(long hi, long lo) {
        tuple.dstHi = hi;
        tuple.dstLo = lo;
        return this;
    }

    /** Moves the expected destination "u" field (NAT, before insertion). */
    public ExpectationRequest dstPort(int port) {
        tuple.dstPort = port;
        return this;
    }

    public Connection master() {
        return master;
    }

    /** A copy of the expected tuple. */
    public Tuple tuple() {
        return new Tuple().copyFrom(tuple);
    }

    /** The expected destination "u" field (port). */
    public int dstPort() {
        return tuple.dstPort;
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

    public int expectClass() {
        return cls;
    }

    public int flags() {
        return flags;
    }

    public Helper assignHelper() {
        return assignHelper;
    }

    public BiConsumer<Connection, Expectation> expectFn() {
        return expectFn;
    }

    public long savedAddrHi() {
        return savedAddrHi;
    }

    public long savedAddrLo() {
        return savedAddrLo;
    }

    public int savedProto() {
        return savedProto;
    }

    public int dir() {
        return dir;
    }

    @Override
    public String toString() {
        return "ExpectationRequest[" + tuple + " master=" + Integer.toUnsignedString(master.id()) + " class=" + cls + "]";
    }
}
