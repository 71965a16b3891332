package org.conntrack4j.router.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
 * <p>Concurrency: readers (the forwarders) walk the buckets without a lock: an {@link Entry} is immutable once
 * published (its chain included: a removal copies the entries before it), a flow's changing state is volatile.
 * Writers (adds, the collector, close) hold this object's monitor. Lock order: this monitor, then a connection's.
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
    private static final int MAX_CAPACITY = 1 << 24;

    /** {@code nf_flowtable_tcp_timeout} / {@code nf_flowtable_udp_timeout}: a flow's life without packets. */
    static final SettingKey TCP_TIMEOUT = SettingKey.seconds("nf_flowtable_tcp_timeout", 30,
        "seconds an offloaded TCP flow stays in its flowtable without packets");
    static final SettingKey UDP_TIMEOUT = SettingKey.seconds("nf_flowtable_udp_timeout", 30,
        "seconds an offloaded UDP flow stays in its flowtable without packets");

    /** A flow ({@code struct flow_offload}): the connection and what its packets need, per direction. */
    static final class Flow {
        final Connection ct;
        final int family;
        final int proto;
        final boolean snat;
        final boolean dnat;
        /** Both directions' tuples, index {@link Direction}: addresses, ports. */
        final long[] srcHi = new long[2];
        final long[] srcLo = new long[2];
        final long[] dstHi = new long[2];
        final long[] dstLo = new long[2];
        final int[] srcPort = new int[2];
        final int[] dstPort = new int[2];
        /** Where each direction's packets come in and go out (router ports). */
        final int[] inPort = new int[2];
        final int[] outPort = new int[2];
        final Entry[] entries = new Entry[2];
        /** Its deadline in jiffies ({@code flow->timeout}). */
        volatile long timeout;
        /** {@code NF_FLOW_CLOSING}: a FIN or RST went through. */
        volatile boolean closing;
        /** {@code NF_FLOW_TEARDOWN}: handed back to conntrack, to be removed by the collector. */
        volatile boolean teardown;

        Flow(Connection ct) {
            this.ct = ct;
            this.family = ct.family();
            this.proto = ct.protocol();
            int status = ct.status();
            this.snat = (status & Status.SRC_NAT) != 0;
            this.dnat = (status & Status.DST_NAT) != 0;
            for (int d = 0; d < 2; d++) {
                srcHi[d] = ct.srcHi(d);
                srcLo[d] = ct.srcLo(d);
                dstHi[d] = ct.dstHi(d);
                dstLo[d] = ct.dstLo(d);
                srcPort[d] = ct.srcPort(d);
                dstPort[d] = ct.dstPort(d);
            }
        }
    }

    /** One direction of a flow in the hash table ({@code flow_offload_tuple_rhash}); immutable. */
    static final class Entry {
        final Flow flow;
        final int dir;
        final int hash;
        final Entry next;

        Entry(Flow flow, int dir, int hash, Entry next) {
            this.flow = flow;
            this.dir = dir;
            this.hash = hash;
            this.next = next;
        }

        boolean matches(int hash, int family, int proto, long sHi, long sLo, long dHi, long dLo, int sp, int dp,
            int port) {
            Flow f = flow;
            return this.hash == hash && f.family == family && f.proto == proto && f.srcLo[dir] == sLo
                && f.dstLo[dir] == dLo && f.srcPort[dir] == sp && f.dstPort[dir] == dp && f.inPort[dir] == port
                && f.srcHi[dir] == sHi && f.dstHi[dir] == dHi;
        }
    }

    final String name;
    /** {@link Family#IPV4}, {@link Family#IPV6} or 0 for both. */
    final int family;
    final int priority;
    final boolean counter;
    private final FlowTables owner;
    private final Conntrack net;
    private volatile AtomicReferenceArray<Entry> buckets = new AtomicReferenceArray<>(64);
    /** Flows in the table (teardown included until the collector removes them); guarded by this. */
    private int flows;
    private boolean closed;
    /** {@link #TCP_TIMEOUT} and {@link #UDP_TIMEOUT} in jiffies, as last read. */
    private volatile long tcpTimeout;
    private volatile long udpTimeout;

    FlowtableImpl(FlowTables owner, Conntrack net, String name, int family, int priority, int flags) {
        this.owner = owner;
        this.net = net;
        this.name = name;
        this.family = family;
        this.priority = priority;
        this.counter = (flags & FlowOffload.FLAG_COUNTER) != 0;
        readSettings();
    }

    static int hash(int family, int proto, long sHi, long sLo, long dHi, long dLo, int sp, int dp, int port) {
        long h = sLo * 0x9E3779B97F4A7C15L ^ dLo * 0xC2B2AE3D27D4EB4FL ^ (sHi ^ Long.rotateLeft(dHi, 17))
            * 0x165667B19E3779F9L ^ ((long) sp << 16 | dp) * 0x27D4EB2F165667C5L ^ (proto << 8 | family | port << 16);
        h ^= h >>> 31;
        h *= 0x94D049BB133111EBL;
        return (int) (h ^ h >>> 29);
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
        AtomicReferenceArray<Entry> b = buckets;
        for (Entry e = b.get(h & (b.length() - 1)); e != null; e = e.next) {
            if (e.matches(h, family, proto, sHi, sLo, dHi, dLo, sp, dp, port)) {
                Flow f = e.flow;
                return f.teardown || f.ct.isDying() ? null : e;
            }
        }
        return null;
    }

    /** The offload timeout of a flow's protocol, in jiffies. */
    private long offloadTimeout(int proto) {
        return proto == IpProto.TCP ? tcpTimeout : udpTimeout;
    }

    /** Reads the offload timeouts (at creation and at every collection: a change applies within a second). */
    private void readSettings() {
        long hz = net.clock().hz();
        tcpTimeout = net.settings().get(TCP_TIMEOUT) * hz;
        udpTimeout = net.settings().get(UDP_TIMEOUT) * hz;
    }

    /**
     * {@code flow_offload_refresh}: a packet went through: the flow lives another offload timeout, written only
     * when that moves the deadline by more than a second, as the kernel does.
     */
    void refresh(Flow f, long now) {
        long t = now + offloadTimeout(f.proto);
        if (t - f.timeout > net.clock().hz()) {
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
        Flow f = new Flow(ct);
        // nft_flow_route: this direction leaves by the packet's way out and its reverse comes in there; the other
        // direction leaves by the route back to this direction's source
        NetDevice back = owner.route(f.family, f.srcHi[dir], f.srcLo[dir]);
        if (ct.isDying() || back == null) {
            ct.clearStatus(Status.OFFLOAD);
            return false;
        }
        f.outPort[dir] = pkt.out.index() - 1;
        f.inPort[1 - dir] = pkt.out.index() - 1;
        f.outPort[1 - dir] = back.index() - 1;
        f.inPort[dir] = back.index() - 1;
        synchronized (this) {
            if (closed || find(f, 0) || find(f, 1)) {
                ct.clearStatus(Status.OFFLOAD);
                return false;
            }
            long now = net.now();
            f.timeout = now + offloadTimeout(f.proto);
            if (f.proto == IpProto.TCP) {
                tcpFlags(f, -1, TCP_FLAG_BE_LIBERAL, 0);
            }
            insert(f, 0);
            insert(f, 1);
            flows++;
            grow();
        }
        net.packets().refresh(ct, DAY * net.clock().hz());
        return true;
    }

    /** Is a flow with {@code f}'s tuple of direction {@code d} in the table? Under this monitor. */
    private boolean find(Flow f, int d) {
        int h = hash(f.family, f.proto, f.srcHi[d], f.srcLo[d], f.dstHi[d], f.dstLo[d], f.srcPort[d], f.dstPort[d],
            f.inPort[d]);
        AtomicReferenceArray<Entry> b = buckets;
        for (Entry e = b.get(h & (b.length() - 1)); e != null; e = e.next) {
            if (e.matches(h, f.family, f.proto, f.srcHi[d], f.srcLo[d], f.dstHi[d], f.dstLo[d], f.srcPort[d],
                f.dstPort[d], f.inPort[d])) {
                return true;
            }
        }
        return false;
    }

    private void insert(Flow f, int d) {
        int h = hash(f.family, f.proto, f.srcHi[d], f.srcLo[d], f.dstHi[d], f.dstLo[d], f.srcPort[d], f.dstPort[d],
            f.inPort[d]);
        AtomicReferenceArray<Entry> b = buckets;
        int i = h & (b.length() - 1);
        Entry e = new Entry(f, d, h, b.get(i));
        f.entries[d] = e;
        b.set(i, e);
    }

    /** Doubles the buckets when the entries outnumber them; readers see the old array or the new, both whole. */
    private void grow() {
        AtomicReferenceArray<Entry> b = buckets;
        if (flows * 2 <= b.length() || b.length() >= MAX_CAPACITY) {
            return;
        }
        AtomicReferenceArray<Entry> n = new AtomicReferenceArray<>(b.length() * 2);
        for (int i = 0; i < b.length(); i++) {
            for (Entry e = b.get(i); e != null; e = e.next) {
                int j = e.hash & (n.length() - 1);
                Entry c = new Entry(e.flow, e.dir, e.hash, n.get(j));
                e.flow.entries[e.dir] = c;
                n.set(j, c);
            }
        }
        buckets = n;
    }

    /** Unlinks {@code f}'s two entries (copying the ones before each). Under this monitor. */
    private void remove(Flow f) {
        AtomicReferenceArray<Entry> b = buckets;
        for (int d = 0; d < 2; d++) {
            Entry gone = f.entries[d];
            int i = gone.hash & (b.length() - 1);
            Entry rebuilt = gone.next;
            List<Entry> before = new ArrayList<>();
            for (Entry e = b.get(i); e != gone && e != null; e = e.next) {
                before.add(e);
            }
            for (int k = before.size() - 1; k >= 0; k--) {
                Entry e = before.get(k);
                rebuilt = new Entry(e.flow, e.dir, e.hash, rebuilt);
                e.flow.entries[e.dir] = rebuilt;
            }
            b.set(i, rebuilt);
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
                    if (f.entries[0] != null && !closed) {
                        remove(f);
                        f.entries[0] = null;
                    }
                }
            }
        }
    }

    private synchronized List<Flow> flowsSnapshot() {
        List<Flow> out = new ArrayList<>(flows);
        AtomicReferenceArray<Entry> b = buckets;
        for (int i = 0; i < b.length(); i++) {
            for (Entry e = b.get(i); e != null; e = e.next) {
                if (e.dir == Direction.ORIGINAL) {
                    out.add(e.flow);
                }
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
            buckets = new AtomicReferenceArray<>(64);
            flows = 0;
        }
    }
}
