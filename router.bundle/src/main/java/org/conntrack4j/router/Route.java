package org.conntrack4j.router;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.inet.Addr;

/**
 * A configured route, {@code ip route add PREFIX via GATEWAY}: packets to the prefix go to the gateway, which must
 * be on one of the router's connected prefixes (the interface is found from it). Connected routes come from the
 * interfaces' addresses and need no {@code Route}. Immutable.
 */
public final class Route {
    /** The destination prefix (family, address, length). */
    public final NetDevice.IfAddr prefix;
    public final long gatewayHi;
    public final long gatewayLo;

    public Route(NetDevice.IfAddr prefix, long gatewayHi, long gatewayLo) {
        this.prefix = prefix;
        this.gatewayHi = gatewayHi;
        this.gatewayLo = gatewayLo;
    }

    /**
     * Parses {@code PREFIX via GATEWAY}, PREFIX being an address with a prefix length or {@code default} (the
     * gateway's family then).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Route parse(String text) {
        String[] w = text.trim().split("\\s+");
        if (w.length != 3 || !w[1].equals("via")) {
            throw new IllegalArgumentException("not a route (PREFIX via GATEWAY): " + text);
        }
        NetDevice.IfAddr gw = RouterInterface.parseAddress(w[2]);
        int max = gw.family == Family.IPV4 ? 32 : 128;
        if (gw.prefixLen != max) {
            throw new IllegalArgumentException("a gateway is an address, not a prefix: " + w[2]);
        }
        NetDevice.IfAddr p = w[0].equals("default")
            ? new NetDevice.IfAddr(gw.family, 0, 0, 0) : RouterInterface.parseAddress(w[0]);
        if (p.family != gw.family) {
            throw new IllegalArgumentException("prefix and gateway of different families: " + text);
        }
        if (w[0].indexOf('/') < 0 && !w[0].equals("default")) {
            throw new IllegalArgumentException("no prefix length in " + w[0]);
        }
        return new Route(p, gw.hi, gw.lo);
    }

    @Override
    public String toString() {
        return prefix.text() + " via " + Addr.toText(prefix.family, gatewayHi, gatewayLo);
    }
}
