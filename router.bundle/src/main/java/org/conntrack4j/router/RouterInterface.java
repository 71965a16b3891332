package org.conntrack4j.router;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.inet.Addr;

/**
 * One interface of a router: name (what rules match with {@code iifname}/{@code oifname}), hardware address, MTU,
 * the IPv4/IPv6 addresses with their prefixes (which also give the connected routes), and optionally a static
 * neighbour: the link address every packet out of this interface goes to (a replay's topology, a point-to-point
 * link). Without one the router resolves its neighbours (ARP, IPv6 neighbour discovery). An interface with an IPv6
 * address also has its EUI-64 link-local address, unless one is given or {@link #withoutLinkLocal()} says it has
 * none (Linux's {@code addr_gen_mode} 1, as the recorded kernel cases' routers were set up: no link-local address
 * and so no link-local route on that link). Immutable.
 */
public final class RouterInterface {
    private final String name;
    private final byte[] mac;
    private final byte[] peerMac;
    private final int mtu;
    private final List<NetDevice.IfAddr> addresses;
    private final boolean linkLocalGenerated;

    public RouterInterface(String name, byte[] mac, byte[] peerMac, int mtu, List<NetDevice.IfAddr> addresses) {
        this(name, mac, peerMac, mtu, addresses, true);
    }

    private RouterInterface(String name, byte[] mac, byte[] peerMac, int mtu, List<NetDevice.IfAddr> addresses,
        boolean linkLocalGenerated) {
        if (mac == null || mac.length != 6 || peerMac != null && peerMac.length != 6) {
            throw new IllegalArgumentException("interface " + name + ": a hardware address has six bytes");
        }
        this.name = name;
        this.mac = mac.clone();
        this.peerMac = peerMac == null ? null : peerMac.clone();
        this.mtu = mtu;
        this.addresses = List.copyOf(addresses);
        this.linkLocalGenerated = linkLocalGenerated;
    }

    public String name() {
        return name;
    }

    /** The hardware address (six bytes, a copy). */
    public byte[] mac() {
        return mac.clone();
    }

    /** The static neighbour's hardware address (a copy), or null when neighbours are resolved. */
    public byte[] peerMac() {
        return peerMac == null ? null : peerMac.clone();
    }

    /** Is an IPv6 link-local address (fe80::/10) among the addresses? */
    public boolean hasLinkLocal() {
        for (NetDevice.IfAddr a : addresses) {
            if (a.family == Family.IPV6 && a.hi >>> 54 == 0x3fa) {
                return true;
            }
        }
        return false;
    }

    /** The same interface with another hardware address and MTU (a device's, when it is opened). */
    public RouterInterface withLink(byte[] newMac, int newMtu) {
        return new RouterInterface(name, newMac, peerMac, newMtu, addresses, linkLocalGenerated);
    }

    /**
     * The same interface without a generated IPv6 link-local address ({@code addr_gen_mode} 1): only a link-local
     * address among its own addresses gives it one.
     */
    public RouterInterface withoutLinkLocal() {
        return new RouterInterface(name, mac, peerMac, mtu, addresses, false);
    }

    /** Does an IPv6 interface get its EUI-64 link-local address when none is given ({@code addr_gen_mode} 0)? */
    public boolean generatesLinkLocal() {
        return linkLocalGenerated;
    }

    public int mtu() {
        return mtu;
    }

    public List<NetDevice.IfAddr> addresses() {
        return addresses;
    }

    public NetDevice toDevice(int index) {
        return new NetDevice(name, index, mac, peerMac, mtu, addresses);
    }

    /** Parses {@code 02:00:00:00:01:01}. */
    public static byte[] parseMac(String s) {
        String[] p = s.trim().split("[:-]");
        if (p.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + s);
        }
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (p[i].isEmpty() || p[i].length() > 2) {
                throw new IllegalArgumentException("not a MAC address: " + s);
            }
            try {
                m[i] = (byte) Integer.parseInt(p[i], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a MAC address: " + s);
            }
        }
        return m;
    }

    /** Parses {@code 198.51.100.1/24} or {@code 2001:db8:1::1/64} (prefix optional: a host address). */
    public static NetDevice.IfAddr parseAddress(String s) {
        String t = s.trim();
        int slash = t.indexOf('/');
        String a = slash < 0 ? t : t.substring(0, slash);
        boolean v6 = a.indexOf(':') >= 0;
        int max = v6 ? 128 : 32;
        int plen = max;
        if (slash >= 0) {
            try {
                plen = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + s);
            }
            if (plen < 0 || plen > max) {
                throw new IllegalArgumentException("prefix length " + plen + " out of range in " + s);
            }
        }
        if (v6) {
            long[] hl = Addr.parseV6(a);
            return new NetDevice.IfAddr(Family.IPV6, hl[0], hl[1], plen);
        }
        return new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(a) & 0xffffffffL, plen);
    }

    /** Builds an interface from text fields (null or empty address strings are skipped). */
    public static RouterInterface of(String name, String mac, String peerMac, int mtu, String... addresses) {
        List<NetDevice.IfAddr> l = new ArrayList<>();
        for (String a : addresses) {
            if (a != null && !a.isBlank()) {
                for (String one : a.split("[,\\s]+")) {
                    if (!one.isBlank()) {
                        l.add(parseAddress(one));
                    }
                }
            }
        }
        return new RouterInterface(name, parseMac(mac), peerMac == null ? null : parseMac(peerMac), mtu, l);
    }

    @Override
    public String toString() {
        return name + " " + addresses + " mtu " + mtu;
    }
}
