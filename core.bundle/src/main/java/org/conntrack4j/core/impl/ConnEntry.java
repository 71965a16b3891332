package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.SeqAdj;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * The engine's connection: both tuples in primitive fields (no tuple objects), the table links, and the
 * plug-in slots. About 170 bytes with compressed references.
 *
 * <p>Shared state and its guard: {@code status} and {@code ecache} change only through atomic bit
 * operations; {@code timeout} and {@code mark} are volatile; the table links ({@code nextOrig},
 * {@code nextReply}) are written under the table's bucket locks and read without locks (volatile);
 * helper and NAT fields are written before the connection is confirmed (single thread) or under the
 * connection's monitor; the tracker's state is the tracker's business (its own locking on this monitor).
 */
final class ConnEntry extends Connection {
    private static final VarHandle STATUS;
    private static final VarHandle ECACHE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATUS = l.findVarHandle(ConnEntry.class, "status", int.class);
            ECACHE = l.findVarHandle(ConnEntry.class, "ecache", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Engine net;
    /** family in bits 0-7, protocol in 8-15, zone in 16-31. */
    final int meta;
    final long oSrcHi;
    final long oSrcLo;
    final long oDstHi;
    final long oDstLo;
    /** Original "u" fields: source in the high 16 bits. */
    final int oPorts;
    // The reply tuple changes once, before confirmation, when NAT binds the connection.
    long rSrcHi;
    long rSrcLo;
    long rDstHi;
    long rDstLo;
    int rPorts;
    /** Full hashes of the original and reply tuples (bucket = hash & mask). */
    final long hashOrig;
    long hashReply;

    private volatile int status;
    private volatile long timeout;
    private volatile int mark;
    private volatile int ecache;
    final int id;

    /** The tracker that created the connection: the one asked to print and destroy it. */
    final L4Tracker tracker;
    volatile ConnEntry nextOrig;
    volatile ConnEntry nextReply;

    Connection master;
    volatile Helper helper;
    Object helperData;
    Object protoState;
    long protoWord;
    Object natState;
    volatile SeqAdj seqAdj;
    /** The live expectations this connection is master of, newest first; guarded by the expectation table. */
    java.util.List<org.conntrack4j.core.api.Expectation> exps;
    /** Accounting counters {orig packets, orig bytes, reply packets, reply bytes}, or null without acct. */
    long[] acct;

    ConnEntry(Engine net, Tuple orig, Tuple reply, int zone, long hashOrig, int id, L4Tracker tracker) {
        this.net = net;
        this.meta = (orig.family & 0xff) | (orig.proto & 0xff) << 8 | (zone & 0xffff) << 16;
        this.oSrcHi = orig.srcHi;
        this.oSrcLo = orig.srcLo;
        this.oDstHi = orig.dstHi;
        this.oDstLo = orig.dstLo;
        this.oPorts = orig.srcPort << 16 | orig.dstPort;
        setReply(reply);
        this.hashOrig = hashOrig;
        this.id = id;
        this.tracker = tracker;
    }

    void setReply(Tuple r) {
        rSrcHi = r.srcHi;
        rSrcLo = r.srcLo;
        rDstHi = r.dstHi;
        rDstLo = r.dstLo;
        rPorts = r.srcPort << 16 | r.dstPort;
    }

    /** Original tuple equality, family/protocol/zone included (meta holds all three). */
    boolean origMatches(int m, long sHi, long sLo, long dHi, long dLo, int ports) {
        return oSrcLo == sLo && oDstLo == dLo && oPorts == ports && meta == m && oSrcHi == sHi && oDstHi == dHi;
    }

    boolean replyMatches(int m, long sHi, long sLo, long dHi, long dLo, int ports) {
        return rSrcLo == sLo && rDstLo == dLo && rPorts == ports && meta == m && rSrcHi == sHi && rDstHi == dHi;
    }

    @Override
    public int family() {
        return meta & 0xff;
    }

    @Override
    public int protocol() {
        return (meta >>> 8) & 0xff;
    }

    @Override
    public int zone() {
        return meta >>> 16;
    }

    @Override
    public Tuple tuple(int dir, Tuple out) {
        out.family = meta & 0xff;
        out.proto = (meta >>> 8) & 0xff;
        out.dir = dir;
        if (dir == Direction.ORIGINAL) {
            out.srcHi = oSrcHi;
            out.srcLo = oSrcLo;
            out.dstHi = oDstHi;
            out.dstLo = oDstLo;
            out.srcPort = oPorts >>> 16;
            out.dstPort = oPorts & 0xffff;
        } else {
            out.srcHi = rSrcHi;
            out.srcLo = rSrcLo;
            out.dstHi = rDstHi;
            out.dstLo = rDstLo;
            out.srcPort = rPorts >>> 16;
            out.dstPort = rPorts & 0xffff;
        }
        return out;
    }

    @Override
    public long srcHi(int dir) {
        return dir == Direction.ORIGINAL ? oSrcHi : rSrcHi;
    }

    @Override
    public long srcLo(int dir) {
        return dir == Direction.ORIGINAL ? oSrcLo : rSrcLo;
    }

    @Override
    public long dstHi(int dir) {
        return dir == Direction.ORIGINAL ? oDstHi : rDstHi;
    }

    @Override
    public long dstLo(int dir) {
        return dir == Direction.ORIGINAL ? oDstLo : rDstLo;
    }

    @Override
    public int srcPort(int dir) {
        return (dir == Direction.ORIGINAL ? oPorts : rPorts) >>> 16;
    }

    @Override
    public int dstPort(int dir) {
        return (dir == Direction.ORIGINAL ? oPorts : rPorts) & 0xffff;
    }

    @Override
    public boolean tupleEquals(int dir, Tuple t) {
        int m = (t.family & 0xff) | (t.proto & 0xff) << 8 | (meta & 0xffff0000);
        int p = t.srcPort << 16 | t.dstPort;
        return dir == Direction.ORIGINAL ? origMatches(m, t.srcHi, t.srcLo, t.dstHi, t.dstLo, p)
            : replyMatches(m, t.srcHi, t.srcLo, t.dstHi, t.dstLo, p);
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public boolean setStatus(int bits) {
        int old = (int) STATUS.getAndBitwiseOr(this, bits);
        return (old & bits) != bits;
    }

    /** Sets one bit; true if it was clear (Linux's !test_and_set_bit). */
    boolean testAndSetClear(int bit) {
        int old = (int) STATUS.getAndBitwiseOr(this, bit);
        return (old & bit) == 0;
    }

    @Override
    public void clearStatus(int bits) {
        STATUS.getAndBitwiseAnd(this, ~bits);
    }

    @Override
    public long timeout() {
        return timeout;
    }

    void setTimeout(long t) {
        timeout = t;
    }

    @Override
    public long expires(long now) {
        if (!isConfirmed()) {
            return Math.max(timeout, 0);
        }
        return Math.max(timeout - now, 0);
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public int mark() {
        return mark;
    }

    @Override
    public void setMark(int m) {
        mark = m;
    }

    @Override
    public Connection master() {
        return master;
    }

    @Override
    public Helper helper() {
        return helper;
    }

    @Override
    public Object helperData() {
        return helperData;
    }

    @Override
    public Object protoState() {
        return protoState;
    }

    @Override
    public void setProtoState(Object state) {
        protoState = state;
    }

    @Override
    public long protoWord() {
        return protoWord;
    }

    @Override
    public void setProtoWord(long word) {
        protoWord = word;
    }

    @Override
    public Object natState() {
        return natState;
    }

    @Override
    public void setNatState(Object state) {
        natState = state;
    }

    @Override
    public SeqAdj seqAdj() {
        return seqAdj;
    }

    @Override
    public Conntrack net() {
        return net;
    }

    /** Adds event bits to the per-connection cache. */
    void cacheEventBits(int bits) {
        ECACHE.getAndBitwiseOr(this, bits);
    }

    /** Takes and clears the cached event bits. */
    int takeEvents() {
        return ecache == 0 ? 0 : (int) ECACHE.getAndSet(this, 0);
    }
}
