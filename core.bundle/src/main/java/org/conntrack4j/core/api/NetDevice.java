package org.conntrack4j.core.api;

import org.conntrack4j.core.inet.Addr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A network interface ({@code struct net_device}) as the hooks need it: name and index for matches, link
 * addresses, MTU, and the configured IP addresses (masquerade takes the source address from here).
 * Immutable; the methods a packet path needs ({@link #owns}, {@link #selectSource}, {@link #address},
 * {@link #copyMac}) allocate nothing. Whoever moves packets (a router, a dataplane) makes its devices and sets
 * them on each packet ({@link Packet#in}, {@link Packet#out}); the engine keeps no list of them.
 */
public final class NetDevice {
    /** One configured address with its prefix length. */
    public static final class IfAddr {
        public final int family;
        public final long hi;
        public final long lo;
        public final int prefixLen;

        public IfAddr(int family, long hi, long lo, int prefixLen) {
            this.family = family;
            this.hi = hi;
            this.lo = lo;
            this.prefixLen = prefixLen;
        }

        /** Is {@code (h, l)} in this address's prefix? */
        public boolean covers(int fam, long h, long l) {
            if (fam != family) {
                return false;
            }
            int bits = family == Family.IPV4 ? 32 : 128;
            if (family == Family.IPV4) {
                long mask = prefixLen == 0 ? 0 : (0xffffffffL << (32 - prefixLen)) & 0xffffffffL;
                return (l & mask) == (lo & mask);
            }
            int p = Math.min(prefixLen, bits);
            long mhi = p >= 64 ? -1L : p == 0 ? 0 : -1L << (64 - p);
            long mlo = p <= 64 ? 0 : p >= 128 ? -1L : -1L << (128 - p);
            return (h & mhi) == (hi & mhi) && (l & mlo) == (lo & mlo);
        }

        public String text() {
            return Addr.toText(family, hi, lo) + "/" + prefixLen;
        }

        @Override
        public String toString() {
            return text();
        }
    }

    private final String name;
    private final int index;
    private final byte[] mac;
    private final byte[] peerMac;
    private final int mtu;
    private final List<IfAddr> addresses;
    /** The same, for loops on the packet path that must not allocate an iterator. */
    private final IfAddr[] addressArray;

    public NetDevice(String name, int index, byte[] mac, byte[] peerMac, int mtu, List<IfAddr> addresses) {
        this.name = Objects.requireNonNull(name);
        this.index = index;
        this.mac = mac == null ? new byte[6] : mac.clone();
        this.peerMac = peerMac == null ? null : peerMac.clone();
        this.mtu = mtu;
        this.addresses = Collections.unmodifiableList(new ArrayList<>(addresses));
        this.addressArray = this.addresses.toArray(new IfAddr[0]);
    }

    public String name() {
        return name;
    }

    public int index() {
        return index;
    }

    public byte[] mac() {
        return mac.clone();
    }

    /** Copies the link address into {@code dst} at {@code off} (six bytes); no allocation, for the packet path. */
    public void copyMac(byte[] dst, int off) {
        System.arraycopy(mac, 0, dst, off, 6);
    }

    /**
     * Copies the static neighbour's link address into {@code dst} at {@code off} and returns true, or returns false
     * when there is none; no allocation, for the packet path.
     */
    public boolean copyPeerMac(byte[] dst, int off) {
        if (peerMac == null) {
            return false;
        }
        System.arraycopy(peerMac, 0, dst, off, 6);
        return true;
    }

    /** The number of configured addresses. */
    public int addressCount() {
        return addressArray.length;
    }

    /** The {@code i}-th configured address (as {@link #addresses()} lists them); no allocation. */
    public IfAddr address(int i) {
        return addressArray[i];
    }

    /** The static neighbour's link address on this link, or null. */
    public byte[] peerMac() {
        return peerMac == null ? null : peerMac.clone();
    }

    public int mtu() {
        return mtu;
    }

    public List<IfAddr> addresses() {
        return addresses;
    }

    /** The first address of the family, or null ({@code inet_select_addr} without scope rules). */
    public IfAddr primary(int family) {
        for (IfAddr a : addressArray) {
            if (a.family == family) {
                return a;
            }
        }
        return null;
    }

    /** The address of the family whose prefix covers {@code (hi, lo)}, else the primary one. */
    public IfAddr selectSource(int family, long hi, long lo) {
        for (IfAddr a : addressArray) {
            if (a.covers(family, hi, lo)) {
                return a;
            }
        }
        return primary(family);
    }

    /** Is {@code (hi, lo)} one of this device's own addresses? */
    public boolean owns(int family, long hi, long lo) {
        for (IfAddr a : addressArray) {
            if (a.family == family && a.hi == hi && a.lo == lo) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + "#" + index + " " + addresses + " mtu " + mtu;
    }
}
