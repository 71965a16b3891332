package org.conntrack4j.router.impl;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.router.Egress;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;

/**
 * What a router's forwarders share: the engine, the interfaces (ports), the routing table, and the local stack's
 * per-peer ICMP rate limit. Immutable but for the rate limiter, which locks itself.
 */
public final class RouterImpl implements Router {
    final Conntrack net;
    final NetDevice[] ports;
    final Routes routes;
    final RateLimiter icmpLimit = new RateLimiter();
    private final List<NetDevice> devices;

    public RouterImpl(Conntrack net, RouterConfig config) {
        this.net = net;
        List<RouterInterface> ifs = config.interfaces();
        ports = new NetDevice[ifs.size()];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = ifs.get(i).toDevice(i + 1);
        }
        devices = List.of(ports);
        routes = new Routes(ports, config.routes());
    }

    @Override
    public List<NetDevice> devices() {
        return devices;
    }

    @Override
    public int port(String name) {
        for (int i = 0; i < ports.length; i++) {
            if (ports[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Forwarder forwarder(Egress egress) {
        return new ForwarderImpl(this, egress);
    }

    @Override
    public void close() {
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
        for (NetDevice d : ports) {
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
}
