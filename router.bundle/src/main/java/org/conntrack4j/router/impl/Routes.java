package org.conntrack4j.router.impl;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.router.Route;

/**
 * The routing table ({@code fib}): the connected prefixes of the interfaces' addresses, then the configured routes,
 * looked up by longest prefix (on a tie, connected routes first, then the order given). Immutable; a lookup
 * allocates nothing.
 */
final class Routes {
    /** One entry: the prefix, the port it leaves by, and the gateway (none for a connected route). */
    static final class Entry {
        final NetDevice.IfAddr prefix;
        final int port;
        final boolean viaGateway;
        final long gatewayHi;
        final long gatewayLo;

        Entry(NetDevice.IfAddr prefix, int port, boolean viaGateway, long gatewayHi, long gatewayLo) {
            this.prefix = prefix;
            this.port = port;
            this.viaGateway = viaGateway;
            this.gatewayHi = gatewayHi;
            this.gatewayLo = gatewayLo;
        }
    }

    private final Entry[] entries;

    Routes(NetDevice[] ports, List<Route> configured) {
        List<Entry> l = new ArrayList<>();
        for (int p = 0; p < ports.length; p++) {
            for (int j = 0; j < ports[p].addressCount(); j++) {
                NetDevice.IfAddr a = ports[p].address(j);
                // link-local prefixes are on every link: link-scoped packets leave by the interface they concern
                if (!Macs.isLinkLocal(a.hi) || a.family != Family.IPV6) {
                    l.add(new Entry(a, p, false, 0, 0));
                }
            }
        }
        int connected = l.size();
        for (Route r : configured) {
            Entry via = null;
            for (int i = 0; i < connected; i++) {
                Entry c = l.get(i);
                if (c.prefix.covers(r.prefix.family, r.gatewayHi, r.gatewayLo)
                    && (via == null || c.prefix.prefixLen > via.prefix.prefixLen)) {
                    via = c;
                }
            }
            if (via == null) {
                throw new IllegalArgumentException("route " + r + ": the gateway is on no interface's prefix");
            }
            l.add(new Entry(r.prefix, via.port, true, r.gatewayHi, r.gatewayLo));
        }
        entries = l.toArray(new Entry[0]);
    }

    /** The best entry for the destination, or null when none covers it (no route). */
    Entry lookup(int family, long hi, long lo) {
        Entry best = null;
        for (Entry e : entries) {
            if ((best == null || e.prefix.prefixLen > best.prefix.prefixLen) && e.prefix.covers(family, hi, lo)) {
                best = e;
            }
        }
        return best;
    }

    /** The port for the destination, or -1. */
    int port(int family, long hi, long lo) {
        Entry e = lookup(family, hi, lo);
        return e == null ? -1 : e.port;
    }
}
