package org.conntrack4j.router.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * One flowtable ({@code struct nf_flowtable}): its flows, findable by either direction's tuple and the port the
 * direction's packets arrive on ({@code flow_offload_tuple} with {@code iifidx}), as {@code nf_flow_table_core.c}
 * keeps them: {@link #add} ({@code flow_offload_add} after {@code nft_flow_route}), {@link #lookup}
 * ({@code flow_offload_lookup}), {@link #teardown} ({@code flow_offload_teardown} with the conntrack fix-up of 6.14
 * and later: the CLOSING state after a FIN or RST) and {@link #gc} ({@code nf_flow_offload_gc_step}, with the
 * conntrack timeout extension that keeps an offloaded connection alive).
 *
 * <p>The table is laid out as the core's connection table is: open addressing (linear probing) over an array of
 * tags, a few bits of each slot's hash, and an array of entries at the same indexes, so that a packet of a flow
 * that is not offloaded (most packets, in a router whose flows are short) costs one cache line of tags rather than
 * a walk through heap entries.
 *
 * <p>Concurrency: readers (the forwarders) probe the slots without a lock. Writers (adds, the collector, close)
 * hold this object's monitor, so there is one writer at a time. An {@link Entry} never changes once published, a
 * flow's changing state is volatile. A writer publishes an entry before its tag and removes the tag before the
 * entry (a tombstone, reused by later adds); a reader checks the whole tuple of any entry it finds, so a slot
 * reused between its two reads yields nothing wrong. A rebuild ({@link #rebuild}) copies the live slots into new
 * arrays published whole; the old ones are not written again, and a reader still on them can at worst find a flow
 * already torn down, which {@link #lookup} refuses, or miss one just added, whose packet then takes the slow path.
 * Lock order: this monitor, then a connection's.
 */
final class FlowtableImpl implements FlowOffload.Flowtable {
    /** A day in seconds ({@code NF_CT_DAY}): the conntrack timeout of an offloaded flow. */
    private static final long DAY = 86_400;
    /** The least time left that the collector lets an offloaded connection have before extending it. */
    private static final long MIN_LEFT = 5 * 60;
    /** {@code IP_CT_TCP_FLAG_*}. */
    private static final int TCP_FLAG_CLOSE_INIT = 0x04;
    private static final int TCP_FLAG_BE_LIBERAL = 0x08;
    private static final int TCP_FLAG_MAXACK_SET = 0x20;
    /** {@code enum tcp_conntrack}: CLOSE. */
    private static final int TCP_CONNTRACK_CLOSE = 8;
    private static final VarHandle TAG = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle REF = MethodHandles.arrayElementVarHandle(Entry[].class);
    /** A slot never used since its arrays were made: a probe stops here. */
    private static final int EMPTY = 0;
    /** A slot whose entry left: probes go past it, an add may reuse it. */
    private static final int DELETED = 1;
    private static final int MIN_SLOTS = 64;
    /** The most slots a table gets; adds beyond half of them are refused (the flow stays on the slow path). */
    private static final int MAX_SLOTS = 1 << 24;

    /** {@code nf_flowtable_tcp_timeout} / {@code nf_flowtable_udp_timeout}: a flow's life without packets. */
    static final SettingKey TCP_TIMEOUT = SettingKey.seconds("nf_flowtable_tcp_timeout", 30,
        "seconds an offloaded TCP flow stays in its flowtable without packets");
    static final SettingKey UDP_TIMEOUT = SettingKey.seconds("nf_flowtable_udp_timeout", 30,
        "seconds an offloaded UDP flow stays in its flowtable without packets");

    /**
     * A flow ({@code struct flow_offload}): the connection, its NAT, its two direction entries (which hold the
     * tuples) and its changing state. Small on purpose: one lives as long as its connection is offloaded.
     */
    static final class Flow {
        final Connection ct;
        final int family;
        final int proto;
        final boolean snat;
        final boolean dnat;
        /** The entries of the original and the reply direction; set before either is published. */
        Entry original;
        Entry reply;
        /** Its deadline in jiffies ({@code flow->timeout}). */
        volatile long timeout;
        /** {@code NF_FLOW_CLOSING}: a FIN or RST went through. */
        volatile boolean closing;
        /** {@code NF_FLOW_TEARDOWN}: handed back to conntrack, to be removed by the collector. */
        volatile boolean teardown;
        /** Unlinked from the table (under the table's monitor). */
        boolean removed;

        Flow(Connection ct) {
            this.ct = ct;
            this.family = ct.family();
            this.proto = ct.protocol();
            int status = ct.status();
            this.snat = (status & Status.SRC_NAT) != 0;
            this.dnat = (status & Status.DST_NAT) != 0;
        }

        Entry entry(int dir) {
            return dir == Direction.ORIGINAL ? original : reply;
        }

        void entry(int dir, Entry e) {
            if (dir == Direction.ORIGINAL) {
                original = e;
            } else {
                reply = e;
            }
        }
    }

    /**
     * One direction of a flow in the hash table ({@code flow_offload_tuple_rhash}) with its tuple, so that a lookup
     * reads this object alone until it has found its flow. Never changed.
     */
    static final class Entry {
        final Flow flow;
        final int dir;
        final int hash;
        final long srcHi;
        final long srcLo;
        final long dstHi;
        final long dstLo;
        /** Ports (source high, destination low), protocol, family and the port it arrives on, packed. */
        private final long key;
        /** The router port this direction's packets leave by. */
        final int outPort;

        Entry(Flow f, int dir, int hash, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
            int inPort, int outPort) {
            this.flow = f;
            this.dir = dir;
            this.hash = hash;
            this.srcHi = srcHi;
            this.srcLo = srcLo;
            this.dstHi = dstHi;
            this.dstLo = dstLo;
            this.key = key(f.family, f.proto, srcPort, dstPort, inPort);
            this.outPort = outPort;
        }

        static long key(int family, int proto, int sp, int dp, int port) {
            return (long) sp << 48 | (long) dp << 32 | (long) proto << 24 | (long) family << 16 | port;
        }

        int srcPort() {
            return (int) (key >>> 48) & 0xffff;
        }

        int dstPort() {
            return (int) (key >>> 32) & 0xffff;
        }

        boolean matches(int hash, long key, long sHi, long sLo, long dHi, long dLo) {
            return this.hash == hash && this.key == key && this.srcLo == sLo && this.dstLo == dLo
                && this.srcHi == sHi && this.dstHi == dHi;
        }
    }

    final String name;
    /** {@link Family#IPV4}, {@link Family#IPV6} or 0 for both. */
    final int family;
    final int priority;
    final boolean counter;
    private final FlowTables owner;
    private final Conntrack net;
    /**
     * The slots: {@code tags[i]} is {@link #EMPTY}, {@link #DELETED} or the {@link #tag} of the entry in
     * {@code refs[i]}. Replaced whole by a rebuild.
     */
    private record Slots(int[] tags, Entry[] refs) {
        Slots(int size) {
            this(new int[size], new Entry[size]);
        }
    }

    private volatile Slots slots = new Slots(MIN_SLOTS);
    /** Slots of {@link #slots} not {@link #EMPTY}; guarded by this. */
    private int used;
    /** Flows in the table (teardown included until the collector removes them); guarded by this. */
    private int flows;
    private boolean closed;
    /** {@link #TCP_TIMEOUT} and {@link #UDP_TIMEOUT} in jiffies, as last read. */
    private volatile long tcpTimeout;
    private volatile long udpTimeout;
    /** The engine's jiffies per second. */
    private final long hz;
    /**
     * The hash's multipliers, drawn per flowtable, so that tuples whose slots collide cannot be chosen from outside
     * (as the core's connection table and Linux's rhashtable seed theirs). Nothing observable depends on the slots'
     * order: lookups compare whole tuples, and the collector's teardowns raise no events.
     */
    private final long k1;
    private final long k2;
    private final long k3;
    private final long k4;
    private final long k5;

    FlowtableImpl(FlowTables owner, Conntrack net, String name, int family, int priority, int flags) {
        this.owner = owner;
        this.net = net;
        this.name = name;
        this.family = family;
        this.priority = priority;
        this.counter = (flags & FlowOffload.FLAG_COUNTER) != 0;
        this.hz = net.clock().hz();
        SplittableRandom r = new SplittableRandom(new SecureRandom().nextLong());
        k1 = r.nextLong() | 1;
        k2 = r.nextLong() | 1;
        k3 = r.nextLong() | 1;
        k4 = r.nextLong() | 1;
        k5 = r.nextLong() | 1;
        readSettings();
    }

    int hash(int family, int proto, long sHi, long sLo, long dHi, long dLo, int sp, int dp, int port) {
        long h = sLo * k1 ^ dLo * k2 ^ (sHi + dHi * 31) * k3 ^ Entry.key(family, proto, sp, dp, port) * k4;
        h ^= h >>> 33;
        h *= k5;
        return (int) (h ^ h >>> 32);
    }

    /** The entry of {@code ct}'s direction {@code dir}, arriving on router port {@code in}, leaving by {@code out}. */
    private Entry entry(Flow f, Connection ct, int dir, int in, int out) {
        long sHi = ct.srcHi(dir);
        long sLo = ct.srcLo(dir);
        long dHi = ct.dstHi(dir);
        long dLo = ct.dstLo(dir);
        int sp = ct.srcPort(dir);
        int dp = ct.dstPort(dir);
        return new Entry(f, dir, hash(f.family, f.proto, sHi, sLo, dHi, dLo, sp, dp, in), sHi, sLo, dHi, dLo, sp, dp,
            in, out);
    }

    /** The tag of a live slot whose entry has hash {@code h}: never {@link #EMPTY} or {@link #DELETED}. */
    private static int tag(int h) {
        return h & ~3 | 2;
    }

    /** Number of flows in the table (tests and listings). */
    synchronized int size() {
        return flows;
    }

    /**
     * {@code flow_offload_lookup}: the live direction entry for a packet's tuple arriving on {@code port}, or null
     * (none, torn down, or its connection dying). Allocates nothing.
     */
    Entry lookup(int family, int proto, long sHi, long sLo, long dHi, long dLo, int sp, int dp, int port) {
        int h = hash(family, proto, sHi, sLo, dHi, dLo, sp, dp, port);
        Entry e = lookupAny(h, Entry.key(family, proto, sp, dp, port), sHi, sLo, dHi, dLo);
        if (e == null) {
            return null;
        }
        Flow f = e.flow;
        return f.teardown || f.ct.isDying() ? null : e;
    }

    /** The offload timeout of a flow's protocol, in jiffies. */
    private long offloadTimeout(int proto) {
        return proto == IpProto.TCP ? tcpTimeout : udpTimeout;
    }

    /** Reads the offload timeouts (at creation and at every collection: a change applies within a second). */
    private void readSettings() {
        tcpTimeout = net.settings().get(TCP_TIMEOUT) * hz;
        udpTimeout = net.settings().get(UDP_TIMEOUT) * hz;
    }

    /**
     * {@code flow_offload_refresh}: a packet went through: the flow lives another offload timeout, written only
     * when that moves the deadline by more than a second, as the kernel does.
     */
    void refresh(Flow f, long now) {
        long t = now + offloadTimeout(f.proto);
        if (t - f.timeout > hz) {
            f.timeout = t;
        }
    }

    @Override
    public boolean add(Packet pkt) {
        Connection ct = pkt.ct;
        if (ct == null || pkt.in == null || pkt.out == null || !ct.setStatus(Status.OFFLOAD)) {
            return false;
        }
        int dir = pkt.ctinfo >= 3 ? Direction.REPLY : Direction.ORIGINAL;
        int other = 1 - dir;
        Flow f = new Flow(ct);
        // nft_flow_route: this direction leaves by the packet's way out and its reverse comes in there; the other
        // direction leaves by the route back to this direction's source
        NetDevice back = owner.route(f.family, ct.srcHi(dir), ct.srcLo(dir));
        if (ct.isDying() || back == null) {
            ct.clearStatus(Status.OFFLOAD);
            return false;
        }
        int out = pkt.out.index() - 1;
        int in = back.index() - 1;
        Entry e = entry(f, ct, dir, in, out);
        Entry r = entry(f, ct, other, out, in);
        synchronized (this) {
            if (closed || lookupAny(e.hash, e.key, e.srcHi, e.srcLo, e.dstHi, e.dstLo) != null
                || lookupAny(r.hash, r.key, r.srcHi, r.srcLo, r.dstHi, r.dstLo) != null || !room()) {
                ct.clearStatus(Status.OFFLOAD);
                return false;
            }
            f.timeout = net.now() + offloadTimeout(f.proto);
            if (f.proto == IpProto.TCP) {
                tcpFlags(f, -1, TCP_FLAG_BE_LIBERAL, 0);
            }
            // both directions known to the flow before either is published: a reader of one may need the other
            f.entry(e.dir, e);
            f.entry(r.dir, r);
            Slots s = slots;
            place(s, e, true);
            place(s, r, true);
            flows++;
        }
        net.packets().refresh(ct, DAY * net.clock().hz());
        return true;
    }

    /** The entry of that tuple, whatever its flow's state: the probe from its home slot to the first empty one. */
    private Entry lookupAny(int h, long key, long sHi, long sLo, long dHi, long dLo) {
        Slots s = slots;
        int[] tags = s.tags;
        int mask = tags.length - 1;
        int want = tag(h);
        for (int i = h & mask, n = 0; n <= mask; i = i + 1 & mask, n++) {
            int t = (int) TAG.getAcquire(tags, i);
            if (t == EMPTY) {
                return null;
            }
            if (t == want) {
                Entry e = (Entry) REF.getAcquire(s.refs, i);
                if (e != null && e.matches(h, key, sHi, sLo, dHi, dLo)) {
                    return e;
                }
            }
        }
        return null;
    }

    /**
     * Room for one more flow's two entries, rebuilding first when a quarter of the slots would no longer be empty;
     * false when the table is at its largest. Under this monitor.
     */
    private boolean room() {
        int size = slots.tags.length;
        if ((used + 2) * 4L <= size * 3L) {
            return true;
        }
        // live entries take at most a quarter of the new arrays, so the next rebuild is many adds away
        long want = Math.max(MIN_SLOTS, Long.highestOneBit((flows + 1) * 2L * 4 - 1) << 1);
        if (want > MAX_SLOTS) {
            return false;
        }
        rebuild((int) want);
        return true;
    }

    /** Places every live entry anew in arrays of {@code size} slots, tombstones left behind. Under this monitor. */
    private void rebuild(int size) {
        Slots old = slots;
        Slots s = new Slots(size);
        int n = 0;
        for (int i = 0; i < old.refs.length; i++) {
            Entry e = old.refs[i];
            if (e != null && old.tags[i] != DELETED) {
                place(s, e, false);
                n++;
            }
        }
        used = n;
        slots = s;
    }

    /** Writes {@code e} into the first free slot of its probe, entry before tag. Under this monitor. */
    private void place(Slots s, Entry e, boolean counted) {
        int mask = s.tags.length - 1;
        for (int i = e.hash & mask; ; i = i + 1 & mask) {
            int t = s.tags[i];
            if (t == EMPTY || t == DELETED) {
                if (t == EMPTY && counted) {
                    used++;
                }
                REF.setRelease(s.refs, i, e);
                TAG.setRelease(s.tags, i, tag(e.hash));
                return;
            }
        }
    }

    /** Takes {@code f}'s two entries out of the table, tag before entry. Under this monitor. */
    private void remove(Flow f) {
        Slots s = slots;
        int mask = s.tags.length - 1;
        for (int d = 0; d < 2; d++) {
            Entry gone = f.entry(d);
            for (int i = gone.hash & mask, n = 0; n <= mask && s.tags[i] != EMPTY; i = i + 1 & mask, n++) {
                if (s.refs[i] == gone) {
                    TAG.setRelease(s.tags, i, DELETED);
                    REF.setRelease(s.refs, i, null);
                    break;
                }
            }
        }
        flows--;
    }

    /**
     * {@code flow_offload_teardown}: the connection leaves the flowtable ({@code OFFLOAD} cleared) and gets back a
     * state conntrack can go on from ({@code flow_offload_fixup_ct}): TCP's windows are taken up afresh (the
     * flowtable did not follow them), CLOSE with CLOSE's timeout after a FIN or RST; otherwise the state's own
     * timeout, less the offload timeout when the flow expired idle, if that is shorter than what it has left.
     */
    void teardown(Flow f) {
        Connection ct = f.ct;
        ct.clearStatus(Status.OFFLOAD);
        synchronized (f) {
            if (f.teardown) {
                return;
            }
            f.teardown = true;
        }
        long now = net.now();
        boolean expired = f.timeout - now <= 0;
        L4Tracker tracker = net.services().tracker(f.family, f.proto);
        SettingKey state;
        if (f.proto == IpProto.TCP) {
            if (f.closing) {
                expired = false;
                tcpFlags(f, TCP_CONNTRACK_CLOSE, TCP_FLAG_CLOSE_INIT, TCP_FLAG_MAXACK_SET);
            } else {
                tcpFlags(f, -1, 0, TCP_FLAG_MAXACK_SET);
            }
            String name = tracker == null ? null : tracker.stateName(ct);
            state = name == null ? null : net.settings().key("nf_conntrack_tcp_timeout_" + name.toLowerCase());
        } else {
            state = net.settings().key(ct.hasStatus(Status.SEEN_REPLY) ? "nf_conntrack_udp_timeout_stream"
                : "nf_conntrack_udp_timeout");
        }
        if (state == null) {
            return;
        }
        long timeout = net.services().timeout(ct, state);
        if (expired) {
            timeout -= offloadTimeout(f.proto);
        }
        timeout = Math.max(timeout, 0);
        if (f.closing || ct.expires(now) > timeout) {
            net.packets().refresh(ct, timeout);
        }
    }

    /**
     * Rewrites TCP's state through its tracker ({@code ProtoInfo}, as ctnetlink does): {@code state} (-1: keep),
     * the flags of both directions with {@code set} set and {@code clear} cleared, the window scales kept; the
     * tracker takes the windows up afresh from the next packets.
     */
    private void tcpFlags(Flow f, int state, int set, int clear) {
        L4Tracker t = net.services().tracker(f.family, IpProto.TCP);
        if (t == null) {
            return;
        }
        Connection ct = f.ct;
        ProtoInfo now = t.protoInfo(ct);
        if (now == null) {
            return;
        }
        ProtoInfo next = ProtoInfo.state(state < 0 ? now.state() : state)
            .withTcpWindowScale(now.tcpWindowScale(0), now.tcpWindowScale(1))
            .withTcpFlags(now.tcpFlags(0) & ~clear | set, now.tcpFlags(1) & ~clear);
        synchronized (ct) {
            t.setProtoInfo(net, ct, next);
        }
    }

    /**
     * {@code nf_flow_offload_gc_step} for every flow: an expired one, or one whose connection is dying, is torn
     * down; the others' connections get their timeout extended when it runs low
     * ({@code nf_flow_table_extend_ct_timeout}); torn-down flows leave the table.
     */
    void gc(long now) {
        readSettings();
        List<Flow> all = flowsSnapshot();
        for (Flow f : all) {
            boolean down = f.teardown;
            if (f.timeout - now <= 0 || f.ct.isDying()) {
                teardown(f);
                down = true;
            } else if (!down) {
                extendCtTimeout(f, now);
            }
            if (down) {
                synchronized (this) {
                    if (!f.removed && !closed) {
                        remove(f);
                        f.removed = true;
                    }
                }
            }
        }
    }

    private synchronized List<Flow> flowsSnapshot() {
        List<Flow> out = new ArrayList<>(flows);
        for (Entry e : slots.refs) {
            if (e != null && e.dir == Direction.ORIGINAL) {
                out.add(e.flow);
            }
        }
        return out;
    }

    /**
     * {@code nf_flow_table_extend_ct_timeout}: UDP and established TCP a day, TCP closing states five minutes, other
     * TCP states nothing (conntrack's timeout runs on), when less than five minutes are left.
     */
    private void extendCtTimeout(Flow f, long now) {
        long hz = net.clock().hz();
        Connection ct = f.ct;
        if (ct.expires(now) >= MIN_LEFT * hz || !ct.isConfirmed() || !ct.hasStatus(Status.OFFLOAD)) {
            return;
        }
        long extend = DAY;
        if (f.proto == IpProto.TCP) {
            L4Tracker t = net.services().tracker(f.family, IpProto.TCP);
            String s = t == null ? "" : t.stateName(ct);
            extend = "ESTABLISHED".equals(s) ? DAY : "FIN_WAIT".equals(s) || "CLOSE_WAIT".equals(s)
                || "LAST_ACK".equals(s) || "TIME_WAIT".equals(s) ? MIN_LEFT : 0;
        }
        if (extend > 0) {
            net.packets().refresh(ct, extend * hz);
        }
    }

    /** {@code nf_flow_table_free}: every flow back to conntrack, the table emptied; no flow joins afterwards. */
    @Override
    public void close() {
        List<Flow> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        owner.unhook(this);
        all = flowsSnapshot();
        for (Flow f : all) {
            teardown(f);
        }
        synchronized (this) {
            slots = new Slots(MIN_SLOTS);
            used = 0;
            flows = 0;
        }
    }
}
