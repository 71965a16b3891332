package org.conntrack4j.router.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;

/**
 * The router's flowtables ({@link FlowOffload}, provided to its engine): each hooked at the ingress of the ports
 * it names, in priority order ({@code nf_flow_offload_ip_hook} per device), which the forwarders consult before
 * PRE_ROUTING; the collector runs once a second of the forwarders' time ({@code nf_flow_offload_work_gc}). The
 * rewriting of an offloaded packet ({@code nf_flow_nat_ip}, {@code nf_flow_nat_ipv6}) is here too.
 */
final class FlowTables implements FlowOffload {
    private static final FlowtableImpl[] NONE = {};

    private final RouterImpl router;
    private final Conntrack net;
    /** Per port, the flowtables hooked there by priority; replaced whole under this monitor. */
    volatile FlowtableImpl[][] hooks;
    private final List<FlowtableImpl> all = new ArrayList<>();
    /** The jiffies of the last collection; written under this monitor. */
    private volatile long lastGc = Long.MIN_VALUE;
    private volatile boolean any;

    FlowTables(RouterImpl router, Conntrack net, int ports) {
        this.router = router;
        this.net = net;
        FlowtableImpl[][] h = new FlowtableImpl[ports][];
        Arrays.fill(h, NONE);
        hooks = h;
    }

    @Override
    public Flowtable create(String name, int family, List<String> devices, int priority, int flags) {
        FlowtableImpl ft = new FlowtableImpl(this, net, name, family, priority, flags);
        synchronized (this) {
            FlowtableImpl[][] h = hooks.clone();
            for (String d : devices) {
                int port = router.port(d);
                if (port < 0 || Arrays.asList(h[port]).contains(ft)) {
                    continue;
                }
                FlowtableImpl[] at = Arrays.copyOf(h[port], h[port].length + 1);
                at[at.length - 1] = ft;
                // stable: flowtables of equal priority in the order created, as hooks of equal priority run
                Arrays.sort(at, Comparator.comparingInt(f -> f.priority));
                h[port] = at;
            }
            all.add(ft);
            any = true;
            hooks = h;
        }
        return ft;
    }

    /** Takes {@code ft} off every port (its close). */
    synchronized void unhook(FlowtableImpl ft) {
        FlowtableImpl[][] h = hooks.clone();
        for (int p = 0; p < h.length; p++) {
            h[p] = Arrays.stream(h[p]).filter(f -> f != ft).toArray(FlowtableImpl[]::new);
        }
        all.remove(ft);
        any = !all.isEmpty();
        hooks = h;
    }

    /** The router closes: every flowtable freed, its flows handed back to conntrack. */
    void closeAll() {
        List<FlowtableImpl> tables;
        synchronized (this) {
            tables = new ArrayList<>(all);
        }
        for (FlowtableImpl ft : tables) {
            ft.close();
        }
    }

    NetDevice route(int family, long hi, long lo) {
        int port = router.routes.port(family, hi, lo);
        return port < 0 ? null : router.ports[port].dev;
    }

    /**
     * The collector, at most once a second of the engine's clock, by whichever forwarder gets there first: on its
     * ticks and on received frames (a replay without a local TCP peer does not tick). Without a flowtable it costs
     * one volatile read (no clock read); with one, two and the clock when it is not due.
     */
    void gc() {
        if (!any) {
            return;
        }
        long now = net.now();
        long last = lastGc;
        if (last != Long.MIN_VALUE && now - last < net.clock().hz()) {
            return;
        }
        List<FlowtableImpl> tables;
        synchronized (this) {
            if (lastGc != Long.MIN_VALUE && now - lastGc < net.clock().hz()) {
                return;
            }
            lastGc = now;
            tables = new ArrayList<>(all);
        }
        for (FlowtableImpl ft : tables) {
            ft.gc(now);
        }
    }

    /**
     * {@code nf_flow_nat_ip} / {@code nf_flow_nat_ipv6}: the connection's source and destination NAT applied to a
     * packet of direction {@code dir} whose transport header is at {@code thoff}, checksums updated incrementally
     * (a UDP checksum of 0, none, stays 0; one that comes out 0 is sent as 0xffff).
     */
    static void nat(Packet p, FlowtableImpl.Flow f, int dir, int thoff) {
        FlowtableImpl.Entry o = f.entry(1 - dir);
        boolean v4 = f.family == Family.IPV4;
        int check = f.proto == IpProto.TCP ? thoff + 16 : thoff + 6;
        if (f.snat) {
            // original: the source becomes the reply's destination; reply: the destination the original's source
            if (dir == Direction.ORIGINAL) {
                port(p, thoff, check, f.proto, o.dstPort());
                address(p, v4 ? 12 : 8, v4, check, f.proto, o.dstHi, o.dstLo);
            } else {
                port(p, thoff + 2, check, f.proto, o.srcPort());
                address(p, v4 ? 16 : 24, v4, check, f.proto, o.srcHi, o.srcLo);
            }
        }
        if (f.dnat) {
            if (dir == Direction.ORIGINAL) {
                port(p, thoff + 2, check, f.proto, o.srcPort());
                address(p, v4 ? 16 : 24, v4, check, f.proto, o.srcHi, o.srcLo);
            } else {
                port(p, thoff, check, f.proto, o.dstPort());
                address(p, v4 ? 12 : 8, v4, check, f.proto, o.dstHi, o.dstLo);
            }
        }
    }

    private static void port(Packet p, int at, int check, int proto, int to) {
        int from = p.u16(at);
        if (from == to) {
            return;
        }
        p.put16(at, to);
        l4Check(p, check, proto, Checksum.replace16(p.u16(check), from, to));
    }

    private static void address(Packet p, int at, boolean v4, int check, int proto, long toHi, long toLo) {
        if (v4) {
            int from = p.u32(at);
            int to = (int) toLo;
            if (from == to) {
                return;
            }
            p.put32(at, to);
            p.put16(10, Checksum.replace32(p.u16(10), from, to));
            l4Check(p, check, proto, Checksum.replace32(p.u16(check), from, to));
            return;
        }
        long fromHi = p.u64(at);
        long fromLo = p.u64(at + 8);
        if (fromHi == toHi && fromLo == toLo) {
            return;
        }
        p.put32(at, (int) (toHi >>> 32));
        p.put32(at + 4, (int) toHi);
        p.put32(at + 8, (int) (toLo >>> 32));
        p.put32(at + 12, (int) toLo);
        l4Check(p, check, proto, Checksum.replace128(p.u16(check), fromHi, fromLo, toHi, toLo));
    }

    private static void l4Check(Packet p, int check, int proto, int updated) {
        if (proto == IpProto.UDP) {
            if (p.u16(check) == 0) {
                return;
            }
            p.put16(check, updated == 0 ? 0xffff : updated);
        } else {
            p.put16(check, updated);
        }
    }
}
