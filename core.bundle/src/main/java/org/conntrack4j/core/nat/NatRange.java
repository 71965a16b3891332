package org.conntrack4j.core.nat;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.inet.Addr;

/**
 * Where a NAT binding may map a connection ({@code struct nf_nat_range2}): an address range and a range of
 * the L4 "u" value (ports, ICMP id), with Linux's flags. Addresses are {hi, lo} pairs as in
 * {@link org.conntrack4j.core.api.Tuple} (IPv4: {@code hi = 0}); ports are 0..65535. Immutable.
 */
public final class NatRange {
    /** The address range is given (otherwise the address is kept). */
    public static final int MAP_IPS = 1;
    /** The port range is given (otherwise the port is kept if possible). */
    public static final int PROTO_SPECIFIED = 1 << 1;
    /** Pick the port with a hash of the connection plus randomness. */
    public static final int PROTO_RANDOM = 1 << 2;
    /** Map a client to the same address for all its connections. */
    public static final int PERSISTENT = 1 << 3;
    /** Pick the port fully at random. */
    public static final int PROTO_RANDOM_FULLY = 1 << 4;
    /** Shift ports by an offset from a base port: this class has no base, so NAT treats it as a plain range. */
    public static final int PROTO_OFFSET = 1 << 5;
    /** Map a prefix onto a prefix ({@code snat prefix to}): not supported; NAT treats it as an address range. */
    public static final int NETMAP = 1 << 6;

    private final int flags;
    private final int family;
    private final long minHi;
    private final long minLo;
    private final long maxHi;
    private final long maxLo;
    private final int minProto;
    private final int maxProto;

    public NatRange(int flags, int family, long minHi, long minLo, long maxHi, long maxLo, int minProto, int maxProto) {
        this.flags = flags;
        this.family = family;
        this.minHi = minHi;
        this.minLo = minLo;
        this.maxHi = maxHi;
        this.maxLo = maxLo;
        this.minProto = minProto;
        this.maxProto = maxProto;
    }

    /** A range mapping to one address (and optionally a port range: pass {@code minPort = -1} for none). */
    public static NatRange to(int family, long hi, long lo, int minPort, int maxPort, int extraFlags) {
        int f = MAP_IPS | extraFlags | (minPort >= 0 ? PROTO_SPECIFIED : 0);
        return new NatRange(f, family, hi, lo, hi, lo, Math.max(minPort, 0), minPort >= 0 ? maxPort : 0);
    }

    /** A range that only constrains ports (masquerade / redirect "to :PORT"), or nothing. */
    public static NatRange ports(int minPort, int maxPort, int extraFlags) {
        int f = extraFlags | (minPort >= 0 ? PROTO_SPECIFIED : 0);
        return new NatRange(f, 0, 0, 0, 0, 0, Math.max(minPort, 0), minPort >= 0 ? maxPort : 0);
    }

    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Family of the addresses ({@link Family}), 0 when none are given. */
    public int family() {
        return family;
    }

    public long minHi() {
        return minHi;
    }

    public long minLo() {
        return minLo;
    }

    public long maxHi() {
        return maxHi;
    }

    public long maxLo() {
        return maxLo;
    }

    public int minProto() {
        return minProto;
    }

    public int maxProto() {
        return maxProto;
    }

    /** The range with the addresses replaced (masquerade fills in the outgoing interface's address). */
    public NatRange withAddress(int fam, long hi, long lo) {
        return new NatRange(flags | MAP_IPS, fam, hi, lo, hi, lo, minProto, maxProto);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (has(MAP_IPS)) {
            sb.append(Addr.toText(family, minHi, minLo));
            if (minHi != maxHi || minLo != maxLo) {
                sb.append('-').append(Addr.toText(family, maxHi, maxLo));
            }
        }
        if (has(PROTO_SPECIFIED)) {
            sb.append(':').append(minProto);
            if (maxProto != minProto) {
                sb.append('-').append(maxProto);
            }
        }
        if (has(PROTO_RANDOM_FULLY)) {
            sb.append(" fully-random");
        } else if (has(PROTO_RANDOM)) {
            sb.append(" random");
        }
        if (has(PERSISTENT)) {
            sb.append(" persistent");
        }
        return sb.length() == 0 ? "(no range)" : sb.toString().trim();
    }
}
