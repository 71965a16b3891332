package org.conntrack4j.router;

import java.util.Locale;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;

/**
 * A socket of the router's own (what {@code ss -lntu} lists on a Linux router): a TCP listener or a bound UDP
 * socket on a port, for one address or for any address of one family or of both. Traffic it takes is not
 * refused: a UDP datagram to it gets no port unreachable. Immutable.
 *
 * <p>A UDP datagram is taken in silently; a TCP listener's connections get Linux's handshake, acknowledgements and
 * close from the router's local TCP stack, with an application that reads everything, writes nothing and closes
 * when the peer has closed (the README's replay section says where it differs from Linux).
 */
public final class RouterSocket {
    /** {@link IpProto#TCP} or {@link IpProto#UDP}. */
    public final int protocol;
    /** {@link Family#IPV4}, {@link Family#IPV6}, or 0 for both. */
    public final int family;
    /** The bound address, or null for any address of the family. */
    public final NetDevice.IfAddr address;
    public final int port;

    public RouterSocket(int protocol, int family, NetDevice.IfAddr address, int port) {
        if (protocol != IpProto.TCP && protocol != IpProto.UDP) {
            throw new IllegalArgumentException("a router socket is tcp or udp, not protocol " + protocol);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1-65535");
        }
        this.protocol = protocol;
        this.family = address != null ? address.family : family;
        this.address = address;
        this.port = port;
    }

    /** {@code tcp:PORT} or {@code udp:PORT}: any address of either family (as {@code --listen} gives it). */
    public static RouterSocket parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected tcp:PORT or udp:PORT, not " + spec);
        }
        return of(s.substring(0, colon), null, null, s.substring(colon + 1));
    }

    /**
     * From text fields (a case's {@code router_sockets} entry): protocol {@code tcp}/{@code udp}; family
     * {@code ipv4}/{@code ipv6} or null; address null or the unspecified address for any; port.
     */
    public static RouterSocket of(String protocol, String family, String address, String port) {
        int proto;
        switch (protocol == null ? "" : protocol.trim().toLowerCase(Locale.ROOT)) {
            case "tcp": proto = IpProto.TCP; break;
            case "udp": proto = IpProto.UDP; break;
            default: throw new IllegalArgumentException("protocol " + protocol + ": tcp or udp");
        }
        int fam = 0;
        if (family != null) {
            switch (family.trim().toLowerCase(Locale.ROOT)) {
                case "ipv4": fam = Family.IPV4; break;
                case "ipv6": fam = Family.IPV6; break;
                default: throw new IllegalArgumentException("family " + family + ": ipv4 or ipv6");
            }
        }
        NetDevice.IfAddr a = null;
        if (address != null && !address.isBlank()) {
            NetDevice.IfAddr parsed = RouterInterface.parseAddress(address);
            fam = parsed.family;
            a = parsed.hi == 0 && parsed.lo == 0 ? null : parsed;
        }
        int p;
        try {
            p = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port " + port + ": not a number");
        }
        return new RouterSocket(proto, fam, a, p);
    }

    /** Does a packet of this protocol to this address and port reach the socket? */
    public boolean takes(int proto, int fam, long hi, long lo, int dport) {
        if (proto != protocol || dport != port || family != 0 && fam != family) {
            return false;
        }
        return address == null || address.hi == hi && address.lo == lo;
    }

    @Override
    public String toString() {
        return (protocol == IpProto.TCP ? "tcp" : "udp") + " " + (address == null ? family == 0 ? "*"
            : family == Family.IPV4 ? "0.0.0.0" : "[::]" : address.toString()) + ":" + port;
    }
}
