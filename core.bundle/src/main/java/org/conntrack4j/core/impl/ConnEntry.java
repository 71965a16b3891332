package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.TimeoutPolicy;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * The engine's connection, kept small because there may be millions: 96 bytes for IPv4 with compressed
 * references. Both tuples live in primitive fields: IPv4 addresses as ints; an IPv6 connection is a {@link Six},
 * which adds the 128-bit addresses (no reference to a side object in every IPv4 entry). What few connections use
 * (master, helper, NAT data, sequence adjustment, expectations, accounting, a mark) lives in an extension object
 * created on first use, as Linux's {@code nf_ct_ext}.
 *
 * <p>Shared state and its guard: {@code status} and {@code ecache} change only through atomic bit
 * operations; {@code timeout} and the extension's {@code mark} are volatile; the table's slots refer to the entry
 * ({@link ConnTable}), which keeps no table links but those of its zone's list; the reply tuple and its hash change
 * only before the connection is confirmed (one thread owns it then); the extension is published once (volatile) and its fields are written before confirmation or under the
 * connection's monitor; the tracker's state is the tracker's business (its own locking on this monitor). Where
 * that monitor stands among the locks: the package documentation.
 */
sealed class ConnEntry implements Connection permits ConnEntry.Six {
    private static final VarHandle STATUS;
    private static final VarHandle ECACHE;
    private static final VarHandle EXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATUS = l.findVarHandle(ConnEntry.class, "status", int.class);
            ECACHE = l.findVarHandle(ConnEntry.class, "ecache", int.class);
            EXT = l.findVarHandle(ConnEntry.class, "ext", Ext.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The rarely used parts of a connection ({@code nf_ct_ext}). */
    static final class Ext {
        Connection master;
        volatile Helper helper;
        Object helperData;
        Object natState;
        volatile SeqAdjImpl seqAdj;
        /**
         * The live expectations this connection is master of, newest first; guarded by the expectation table.
         * Volatile: an insert creates it before it reads the master's DYING bit, a kill reads it after setting it.
         */
        volatile List<ExpectEntry> exps;
        /** {orig packets, orig bytes, reply packets, reply bytes}; guarded by itself. */
        long[] acct;
        /** Kept with {@code nf_conntrack_timestamp} on when the connection was created ({@code nf_conn_tstamp}). */
        boolean tstamp;
        /**
         * Wall-clock nanoseconds of confirmation and of destruction, 0 until then. Each is written once: the start
         * by the thread that confirms (before the entry is published), the stop by the one that wins DYING.
         */
        volatile long tstampStart;
        volatile long tstampStop;
        /** The labels ({@code nf_conn_labels}); written under the connection's monitor. */
        volatile long labelsLo;
        volatile long labelsHi;
        /** The timeout policy the connection keeps ({@code nf_conn_timeout}), or null. */
        volatile TimeoutPolicy timeoutPolicy;
        /**
         * The mark ({@code ct mark}); 0 while there is no extension. Here rather than in every entry: most connections
         * never get one, and a marked one pays for the extension.
         */
        volatile int mark;
    }

    /**
     * An IPv6 connection: the entry with its 128-bit addresses (the int fields keep their low 32 bits, a quick first
     * test). The reply ones are written by {@link #setReply}, from the entry's constructor on; they have no
     * initializer, so that those writes stand.
     */
    static final class Six extends ConnEntry {
        final long oSrcHi;
        final long oSrcLo;
        final long oDstHi;
        final long oDstLo;
        long rSrcHi;
        long rSrcLo;
        long rDstHi;
        long rDstLo;

        Six(Engine net, Tuple orig, Tuple reply, int zone, int hashOrig, int id, L4Tracker tracker, int generation) {
            super(net, orig, reply, zone, hashOrig, id, tracker, generation);
            oSrcHi = orig.srcHi;
            oSrcLo = orig.srcLo;
            oDstHi = orig.dstHi;
            oDstLo = orig.dstLo;
        }
    }

    /** {@link #meta}: the family's bits. */
    private static final int META_FAMILY = 0x0f;
    /** {@link #meta}: the zone does not apply to the original direction (the bit for the reply one is next). */
    private static final int META_ZONE_NOT_ORIG = 0x10;
    /** {@link #meta}: every flag bit. */
    private static final int META_FLAGS = 0xf0;

    final Engine net;
    /**
     * The family in bits 0-3 (2 or 10), the zone's directions in 4-5 ({@link #META_ZONE_NOT_ORIG} and the bit after
     * it: set for a direction the zone does not apply to), protocol in 8-15, zone id in 16-31. {@link #metaFor} gives
     * what a tuple of one direction is compared with: family, protocol and that direction's zone id.
     */
    final int meta;
    /** IPv4 addresses, or the low 32 bits of IPv6 ones (a quick first test). */
    final int oSrc;
    final int oDst;
    int rSrc;
    int rDst;
    /** Original "u" fields: source in the high 16 bits. */
    final int oPorts;
    int rPorts;
    /** Hashes of the original and reply tuples (bucket = hash & mask). */
    final int hashOrig;
    int hashReply;

    private volatile int status;
    private volatile long timeout;
    private volatile int ecache;
    final int id;

    /**
     * The tracker that created the connection: the one asked to print and destroy it. Replaced only in a dead
     * connection whose tracker left ({@code Engine.releaseDeadMasters}).
     */
    L4Tracker tracker;
    /**
     * Until the connection is confirmed, {@link Registry#generation} when it was created (checked once, at
     * confirmation: {@link #generation}); from then on its index in its zone's list ({@link ConnTable.ZoneList},
     * guarded by that list's monitor; -1 once removed). One field for both, since no connection needs both at once:
     * 4 bytes less in every entry (104 instead of 112 with compressed references).
     */
    int zoneSlot;

    private Object protoState;
    private long protoWord;
    private volatile Ext ext;

    /** A connection of {@code orig}'s family; {@code zone} as {@link Zone} packs it (its id and directions). */
    static ConnEntry of(Engine net, Tuple orig, Tuple reply, int zone, int hashOrig, int id, L4Tracker tracker,
        int generation) {
        return orig.family == Family.IPV6 ? new Six(net, orig, reply, zone, hashOrig, id, tracker, generation)
            : new ConnEntry(net, orig, reply, zone, hashOrig, id, tracker, generation);
    }

    private ConnEntry(Engine net, Tuple orig, Tuple reply, int zone, int hashOrig, int id, L4Tracker tracker,
        int generation) {
        this.net = net;
        this.zoneSlot = generation;
        this.meta = (orig.family & META_FAMILY) | ((~Zone.dirs(zone) & Zone.DIR_BOTH) << 4) | (orig.proto & 0xff) << 8
            | Zone.id(zone) << 16;
        this.oSrc = (int) orig.srcLo;
        this.oDst = (int) orig.dstLo;
        this.oPorts = orig.srcPort << 16 | orig.dstPort;
        setReply(reply);
        this.hashOrig = hashOrig;
        this.id = id;
        this.tracker = tracker;
    }

    /** {@link Registry#generation} when the connection was created; meaningful only before it is confirmed. */
    int generation() {
        return zoneSlot;
    }

    void setReply(Tuple r) {
        rSrc = (int) r.srcLo;
        rDst = (int) r.dstLo;
        rPorts = r.srcPort << 16 | r.dstPort;
        if (this instanceof Six a) {
            a.rSrcHi = r.srcHi;
            a.rSrcLo = r.srcLo;
            a.rDstHi = r.dstHi;
            a.rDstLo = r.dstLo;
        }
    }

    /**
     * Family, protocol and the zone id of direction {@code dir} ({@code nf_ct_zone_id}), as lookups build them from a
     * tuple and a zone ({@code Engine.meta}).
     */
    int metaFor(int dir) {
        int m = meta & ~META_FLAGS;
        return (meta & (META_ZONE_NOT_ORIG << dir)) == 0 ? m : m & 0xffff;
    }

    /**
     * Original tuple equality, family/protocol/zone included ({@code m}: {@link #metaFor} of the original
     * direction). For IPv4 the int fields are the whole address, and a tuple of the same family has zero high parts.
     */
    boolean origMatches(int m, long sHi, long sLo, long dHi, long dLo, int ports) {
        if (oSrc != (int) sLo || oDst != (int) dLo || oPorts != ports || metaFor(Direction.ORIGINAL) != m) {
            return false;
        }
        return !(this instanceof Six a) || a.oSrcLo == sLo && a.oDstLo == dLo && a.oSrcHi == sHi && a.oDstHi == dHi;
    }

    boolean replyMatches(int m, long sHi, long sLo, long dHi, long dLo, int ports) {
        if (rSrc != (int) sLo || rDst != (int) dLo || rPorts != ports || metaFor(Direction.REPLY) != m) {
            return false;
        }
        return !(this instanceof Six a) || a.rSrcLo == sLo && a.rDstLo == dLo && a.rSrcHi == sHi && a.rDstHi == dHi;
    }

    /** Does this connection's original tuple equal {@code other}'s, in the same zone (same flow)? */
    boolean sameOrig(ConnEntry other) {
        return origMatches(other.metaFor(Direction.ORIGINAL), other.srcHi(Direction.ORIGINAL), other.srcLo(Direction.ORIGINAL),
            other.dstHi(Direction.ORIGINAL), other.dstLo(Direction.ORIGINAL), other.oPorts);
    }

    /** Does this connection's reply tuple equal {@code other}'s? */
    boolean sameReply(ConnEntry other) {
        return replyMatches(other.metaFor(Direction.REPLY), other.srcHi(Direction.REPLY), other.srcLo(Direction.REPLY),
            other.dstHi(Direction.REPLY), other.dstLo(Direction.REPLY), other.rPorts);
    }

    @Override
    public int family() {
        return meta & META_FAMILY;
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
    public int zoneDir() {
        return ~(meta >>> 4) & Zone.DIR_BOTH;
    }

    @Override
    public int zoneId(int dir) {
        return metaFor(dir) >>> 16;
    }

    @Override
    public Tuple tuple(int dir, Tuple out) {
        out.family = meta & META_FAMILY;
        out.proto = (meta >>> 8) & 0xff;
        out.dir = dir;
        out.srcHi = srcHi(dir);
        out.srcLo = srcLo(dir);
        out.dstHi = dstHi(dir);
        out.dstLo = dstLo(dir);
        int ports = dir == Direction.ORIGINAL ? oPorts : rPorts;
        out.srcPort = ports >>> 16;
        out.dstPort = ports & 0xffff;
        return out;
    }

    @Override
    public long srcHi(int dir) {
        return !(this instanceof Six a) ? 0 : dir == Direction.ORIGINAL ? a.oSrcHi : a.rSrcHi;
    }

    @Override
    public long srcLo(int dir) {
        if (!(this instanceof Six a)) {
            return (dir == Direction.ORIGINAL ? oSrc : rSrc) & 0xffffffffL;
        }
        return dir == Direction.ORIGINAL ? a.oSrcLo : a.rSrcLo;
    }

    @Override
    public long dstHi(int dir) {
        return !(this instanceof Six a) ? 0 : dir == Direction.ORIGINAL ? a.oDstHi : a.rDstHi;
    }

    @Override
    public long dstLo(int dir) {
        if (!(this instanceof Six a)) {
            return (dir == Direction.ORIGINAL ? oDst : rDst) & 0xffffffffL;
        }
        return dir == Direction.ORIGINAL ? a.oDstLo : a.rDstLo;
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
        int m = (t.family & 0xff) | (t.proto & 0xff) << 8 | (metaFor(dir) & 0xffff0000);
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
        Ext e = ext;
        return e == null ? 0 : e.mark;
    }

    @Override
    public void setMark(int m) {
        if (m == 0 && ext == null) {
            return;
        }
        ext().mark = m;
    }

    /** The extension, created on first use. */
    Ext ext() {
        Ext e = ext;
        if (e == null) {
            // a compare-and-set, not the connection's monitor: callers may hold locks that come after it (setMark)
            Ext made = new Ext();
            e = (Ext) EXT.compareAndExchange(this, null, made);
            if (e == null) {
                e = made;
            }
        }
        return e;
    }

    /** The extension if there is one, else null (no allocation). */
    Ext extOrNull() {
        return ext;
    }

    @Override
    public long labelsLo() {
        Ext e = ext;
        return e == null ? 0 : e.labelsLo;
    }

    @Override
    public long labelsHi() {
        Ext e = ext;
        return e == null ? 0 : e.labelsHi;
    }

    /** {@code nf_connlabels_replace}: {@code (old & ~mask) ^ bits}; true if they changed. */
    boolean replaceLabels(long bitsLo, long bitsHi, long maskLo, long maskHi) {
        Ext e = ext();
        synchronized (this) {
            long lo = (e.labelsLo & ~maskLo) ^ bitsLo;
            long hi = (e.labelsHi & ~maskHi) ^ bitsHi;
            if (lo == e.labelsLo && hi == e.labelsHi) {
                return false;
            }
            e.labelsLo = lo;
            e.labelsHi = hi;
            return true;
        }
    }

    @Override
    public TimeoutPolicy timeoutPolicy() {
        Ext e = ext;
        return e == null ? null : e.timeoutPolicy;
    }

    @Override
    public Connection master() {
        Ext e = ext;
        return e == null ? null : e.master;
    }

    @Override
    public Helper helper() {
        Ext e = ext;
        return e == null ? null : e.helper;
    }

    @Override
    public Object helperData() {
        Ext e = ext;
        return e == null ? null : e.helperData;
    }

    /** Attaches (or with null, detaches) a helper and its data. */
    void setHelper(Helper h, Object data) {
        if (h == null && ext == null) {
            return;
        }
        Ext e = ext();
        synchronized (this) {
            e.helperData = data;
            e.helper = h;
        }
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
        Ext e = ext;
        return e == null ? null : e.natState;
    }

    @Override
    public void setNatState(Object state) {
        if (state == null && ext == null) {
            return;
        }
        ext().natState = state;
    }

    @Override
    public SeqAdjImpl seqAdj() {
        Ext e = ext;
        return e == null ? null : e.seqAdj;
    }

    @Override
    public Conntrack net() {
        return net;
    }

    /** The expectations this connection is master of, or null (caller holds the expectation table's monitor). */
    List<ExpectEntry> exps() {
        Ext e = ext;
        return e == null ? null : e.exps;
    }

    /**
     * The same, created if missing (caller holds the expectation table's monitor). Only for a master with a helper,
     * whose extension exists already: this never takes the connection's monitor, which comes before the table's.
     */
    List<ExpectEntry> expsForInsert() {
        Ext e = ext;
        if (e.exps == null) {
            e.exps = new ArrayList<>(2);
        }
        return e.exps;
    }

    /** The accounting counters, or null without accounting. */
    long[] acct() {
        Ext e = ext;
        return e == null ? null : e.acct;
    }

    /** Adds event bits to the per-connection cache. */
    void cacheEventBits(int bits) {
        ECACHE.getAndBitwiseOr(this, bits);
    }

    /** Takes and clears the cached event bits. */
    int takeEvents() {
        return ecache == 0 ? 0 : (int) ECACHE.getAndSet(this, 0);
    }

    @Override
    public String toString() {
        Tuple o = tuple(Direction.ORIGINAL, new Tuple());
        Tuple r = tuple(Direction.REPLY, new Tuple());
        return "Connection#" + Integer.toUnsignedString(id) + "[" + o + " | " + r + " status=" + Status.names(status())
            + "]";
    }
}
