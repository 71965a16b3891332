package org.conntrack4j.router;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.inet.Addr;

/**
 * One interface of the replayed router as a case's topology describes it: name, link addresses, MTU and
 * the IPv4/IPv6 addresses with their prefixes (which also give the connected routes).
 */
public final class RouterInterface {
    private final String name;
    private final byte[] mac;
    private final byte[] peerMac;
    private final int mtu;
    private final List<NetDevice.IfAddr> addresses;

    public RouterInterface(String name, byte[] mac, byte[] peerMac, int mtu, List<NetDevice.IfAddr> addresses) {
        this.name = name;
        this.mac = mac;
        this.peerMac = peerMac;
        this.mtu = mtu;
        this.addresses = List.copyOf(addresses);
    }

    public String name() {
        return name;
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
