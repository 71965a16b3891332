package org.conntrack4j.router.impl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.LocalOutput;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.router.Egress;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.PeerSegments;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.router.RouterInterface;

/**
 * What a router's forwarders share: the engine, the ports, the routing table, the neighbour table and the local
 * stack's per-peer ICMP rate limit. The ports' link state changes under the forwarders (volatile fields); the
 * routing table is immutable; the neighbour table and the rate limiter lock themselves.
 */
public final class RouterImpl implements Router {
    final Conntrack net;
    final Port[] ports;
    final Routes routes;
    final RateLimiter icmpLimit = new RateLimiter();
    /** The router's own sockets: what its local stack takes in instead of refusing. */
    final RouterSocket[] sockets;
    /** Where the local TCP stack learns what the recording kernel drew (a replay), or null. */
    final PeerSegments peerSegments;
    final AtomicLongArray sharedStats = new AtomicLongArray(Stat.COUNT);
    final Neighbours neighbours = new Neighbours(sharedStats);
    private final List<ForwarderImpl> forwarders = new CopyOnWriteArrayList<>();
    private final String[] names;
    /** The forwarder working on this thread: where a plug-in's packet ({@link LocalOutput}) goes out. */
    private final ThreadLocal<ForwarderImpl> current = new ThreadLocal<>();
    private final Registration output;
    /** The flowtables that rules create in the engine ({@link FlowOffload}), consulted at ingress. */
    final FlowTables flows;
    private final Registration flowOffload;

    public RouterImpl(Conntrack net, RouterConfig config) {
        this.net = net;
        List<RouterInterface> ifs = config.interfaces();
        ports = new Port[ifs.size()];
        names = new String[ports.length];
        NetDevice[] devs = new NetDevice[ports.length];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = new Port(i, ifs.get(i));
            names[i] = ifs.get(i).name();
            devs[i] = ports[i].dev;
        }
        routes = new Routes(devs, config.routes());
        sockets = config.sockets().toArray(new RouterSocket[0]);
        peerSegments = config.peerSegments();
        output = net.services().provideExtension(LocalOutput.class, this::sendLocal);
        flows = new FlowTables(this, net, ports.length);
        flowOffload = net.services().provideExtension(FlowOffload.class, flows);
    }

    /** {@code f} works on the calling thread from now on (a forwarder says so when it first receives there). */
    void bind(ForwarderImpl f) {
        current.set(f);
    }

    /**
     * {@link LocalOutput}: a packet a plug-in originates (a rule's reject) while a packet of this thread's forwarder
     * runs through the hooks, sent as the router's own by that forwarder; false when no forwarder works here.
     */
    private boolean sendLocal(Packet p) {
        ForwarderImpl f = current.get();
        return f != null && f.sendLocal(p);
    }

    @Override
    public List<NetDevice> devices() {
        List<NetDevice> l = new ArrayList<>(ports.length);
        for (Port p : ports) {
            l.add(p.dev);
        }
        return List.copyOf(l);
    }

    @Override
    public int port(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Forwarder forwarder(Egress egress) {
        ForwarderImpl f = new ForwarderImpl(this, egress);
        forwarders.add(f);
        return f;
    }

    @Override
    public void linkChanged(int port, boolean running, int mtu, byte[] mac) {
        Port p = ports[port];
        if (mtu > 0) {
            p.mtu = mtu;
        }
        if (mac != null) {
            long m = Macs.toLong(mac, 0);
            if (m != p.mac) {
                p.setMac(m);
                neighbours.flushPort(port);
                p.announce = p.staticNeighbour < 0;
            }
        }
        if (running && !p.running) {
            p.announce = p.staticNeighbour < 0;
        }
        p.running = running;
    }

    @Override
    public Map<String, Long> counters() {
        long[] sum = new long[Stat.COUNT];
        for (ForwarderImpl f : forwarders) {
            for (int i = 0; i < Stat.COUNT; i++) {
                sum[i] += f.stats[i];
            }
        }
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < Stat.COUNT; i++) {
            m.put(Stat.NAMES[i], sum[i] + sharedStats.get(i));
        }
        m.put("neigh_entries", (long) neighbours.size());
        return m;
    }

    @Override
    public List<String> neighbours() {
        return neighbours.describe(names);
    }

    @Override
    public void close() {
        output.close();
        flowOffload.close();
        flows.closeAll();
        forwarders.clear();
    }

    /** Is the destination one of the router's addresses, a broadcast of one of its prefixes, or multicast? */
    boolean isLocal(int family, long hi, long lo) {
        if (family == Family.IPV4) {
            if (lo == 0xffffffffL || (lo >>> 28) == 0xe) {
                return true;
            }
        } else if ((hi >>> 56) == 0xff) {
            return true;
        }
        for (Port p : ports) {
            NetDevice d = p.dev;
            if (d.owns(family, hi, lo)) {
                return true;
            }
            for (int j = 0; family == Family.IPV4 && j < d.addressCount(); j++) {
                NetDevice.IfAddr a = d.address(j);
                if (a.family == Family.IPV4 && a.prefixLen < 31 && lo == (a.lo | (0xffffffffL >>> a.prefixLen))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Is it exactly one of the router's own addresses (on any interface)? */
    boolean isOwnAddress(int family, long hi, long lo) {
        for (Port p : ports) {
            if (p.dev.owns(family, hi, lo)) {
                return true;
            }
        }
        return false;
    }

    /** Is the IPv4 address the limited broadcast or the directed broadcast of one of {@code port}'s prefixes? */
    boolean isBroadcast(int port, long lo) {
        if (lo == 0xffffffffL) {
            return true;
        }
        NetDevice d = ports[port].dev;
        for (int j = 0; j < d.addressCount(); j++) {
            NetDevice.IfAddr a = d.address(j);
            if (a.family == Family.IPV4 && a.prefixLen < 31 && lo == (a.lo | (0xffffffffL >>> a.prefixLen))) {
                return true;
            }
        }
        return false;
    }
}
