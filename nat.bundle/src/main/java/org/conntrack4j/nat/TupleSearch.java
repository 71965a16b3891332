package org.conntrack4j.nat;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;

/**
 * Choosing the translated tuple of a new binding ({@code get_unique_tuple} and what it calls in
 * {@code nf_nat_core.c}): keep the tuple when it is in range and unique, reuse the client's earlier source
 * mapping, pick the address by hash ({@code find_best_ips_proto}), then search the port or ICMP id
 * ({@code nf_nat_l4proto_unique_tuple}: from a random offset, rounds of 128, 64, 32, 16 and 8 attempts).
 *
 * <p>Stateless apart from the engine's by-source table and random numbers, both safe for concurrent use.
 */
final class TupleSearch {
    /** {@code NF_NAT_MAX_ATTEMPTS}. */
    static final int MAX_ATTEMPTS = 128;
    private static final int RANDOM_ALL = NatRange.PROTO_RANDOM | NatRange.PROTO_RANDOM_FULLY;

    private final Conntrack net;
    private final NatEngine nat;
    private final NatRandom random;

    TupleSearch(Conntrack net, NatEngine nat, NatRandom random) {
        this.net = net;
        this.nat = nat;
        this.random = random;
    }

    /**
     * {@code get_unique_tuple}: fills {@code tuple} with the tuple {@code ct}'s packets should look like after the
     * {@code manip} into {@code range}, starting from {@code orig} (what they look like now). May leave a taken
     * tuple when the whole search failed; confirmation then drops the packet, as in Linux.
     */
    void uniqueTuple(Tuple tuple, Tuple orig, NatRange range, Connection ct, int manip) {
        // 1) Source NAT keeps the packet as it is, or the client's existing mapping, when that fits.
        if (manip == NatManip.SRC && (range.flags() & RANDOM_ALL) == 0) {
            if (inRange(orig, range)) {
                if (!usedTupleNew(orig, ct)) {
                    tuple.copyFrom(orig);
                    return;
                }
            } else if (nat.bySource().findMapping(net, orig, ct.zone(), range, tuple, new Tuple())) {
                if (!usedTuple(tuple, ct)) {
                    return;
                }
            }
        }
        // 2) The address, by hash of the addresses.
        tuple.copyFrom(orig);
        bestAddress(tuple, range, manip);
        // 3) The port or id: kept if it is in range and the tuple unique, else searched.
        if ((range.flags() & RANDOM_ALL) == 0) {
            if (manip == NatManip.DST && !range.has(NatRange.PROTO_SPECIFIED) && !isIdProtocol(tuple.proto)) {
                // The destination port cannot move without a port range, taken or not: Linux's uniqueness check
                // here changes nothing but the "found" statistic, so the table lookup is skipped (every
                // connection's null binding would pay for it).
                return;
            }
            if (range.has(NatRange.PROTO_SPECIFIED)) {
                // PROTO_OFFSET (port shifting) would need a base port NatRange does not carry: a plain range here.
                if (l4InRange(tuple, manip, range.minProto(), range.maxProto())
                    && (range.minProto() == range.maxProto() || !usedTuple(tuple, ct))) {
                    return;
                }
            } else if (!usedTuple(tuple, ct)) {
                return;
            }
        }
        uniqueL4(tuple, range, manip, ct);
    }

    /** Protocols whose id or key a destination manipulation may move even without a range (ICMP ids, PPTP keys). */
    private static boolean isIdProtocol(int proto) {
        return proto == IpProto.ICMP || proto == IpProto.ICMPV6 || proto == IpProto.GRE;
    }

    /** {@code nf_nat_used_tuple}: is the reply that {@code tuple} would have already some other connection's? */
    boolean usedTuple(Tuple tuple, Connection ct) {
        Tuple reply = new Tuple();
        if (!net.services().invertTuple(reply, tuple)) {
            return false;
        }
        return net.services().tupleTaken(reply, ct);
    }

    /**
     * {@code nf_nat_used_tuple_new}: as {@link #usedTuple} for an unaltered tuple, except that for protocols that
     * allow clashes a collision with an un-NATed connection going the other way (both ends opened at the same
     * time) is left to clash resolution at confirmation.
     */
    private boolean usedTupleNew(Tuple tuple, Connection ct) {
        if (!usedTuple(tuple, ct)) {
            return false;
        }
        if (!net.services().tracker(ct.family(), ct.protocol()).allowClash()) {
            return true;
        }
        int usesNat = Status.NAT_MASK | Status.SEQ_ADJUST;
        if ((ct.status() & usesNat) != 0) {
            return true;
        }
        Connection other = net.services().find(tuple, 0);
        if (other == null) {
            Tuple reply = new Tuple();
            net.services().invertTuple(reply, tuple);
            other = net.services().find(reply, 0);
            if (other == null) {
                return false;
            }
        }
        if ((other.status() & usesNat) != 0) {
            return true;
        }
        return !other.tupleEquals(Direction.ORIGINAL, ct.tuple(Direction.REPLY, new Tuple()));
    }

    /** {@code nf_in_range}: would a source mapping to {@code t} satisfy {@code range}? */
    static boolean inRange(Tuple t, NatRange range) {
        if (range.has(NatRange.MAP_IPS) && !addressInRange(t, range)) {
            return false;
        }
        if (!range.has(NatRange.PROTO_SPECIFIED)) {
            return true;
        }
        return l4InRange(t, NatManip.SRC, range.minProto(), range.maxProto());
    }

    /** {@code nf_nat_inet_in_range}: the source address between the range's bounds (unsigned). */
    private static boolean addressInRange(Tuple t, NatRange r) {
        if (t.family == Family.IPV4) {
            return t.srcLo >= r.minLo() && t.srcLo <= r.maxLo();
        }
        return compare128(t.srcHi, t.srcLo, r.minHi(), r.minLo()) >= 0
            && compare128(t.srcHi, t.srcLo, r.maxHi(), r.maxLo()) <= 0;
    }

    private static int compare128(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** {@code l4proto_in_range}: the manipulated port (or the ICMP id) within [min, max]; other protocols: yes. */
    static boolean l4InRange(Tuple t, int manip, int min, int max) {
        switch (t.proto) {
            case IpProto.ICMP:
            case IpProto.ICMPV6:
                return t.srcPort >= min && t.srcPort <= max;
            case IpProto.GRE:
            case IpProto.TCP:
            case IpProto.UDP:
            case IpProto.UDPLITE:
            case NatEngine.DCCP:
            case IpProto.SCTP:
                int port = manip == NatManip.SRC ? t.srcPort : t.dstPort;
                return port >= min && port <= max;
            default:
                return true;
        }
    }

    /**
     * {@code find_best_ips_proto}: the address for the manipulated side. One address: that one. A range: a hash of
     * the addresses picks it (the same client always gets the same address; with PERSISTENT, whatever the
     * destination), spread over the range word by word as Linux does, so that the kernel's choice is reproduced.
     */
    static void bestAddress(Tuple tuple, NatRange range, int manip) {
        if (!range.has(NatRange.MAP_IPS)) {
            return;
        }
        boolean src = manip == NatManip.SRC;
        if (range.minHi() == range.maxHi() && range.minLo() == range.maxLo()) {
            setAddress(tuple, src, range.minHi(), range.minLo());
            return;
        }
        // The kernel hashes the raw 32-bit words of union nf_inet_addr (network order in a little-endian load).
        int[] s = words(tuple.srcHi, tuple.srcLo, tuple.family);
        int[] d = words(tuple.dstHi, tuple.dstLo, tuple.family);
        int[] lo = words(range.minHi(), range.minLo(), tuple.family);
        int[] hi = words(range.maxHi(), range.maxLo(), tuple.family);
        int[] var = src ? s : d;
        int max = tuple.family == Family.IPV4 ? 0 : 3;
        boolean persistent = range.has(NatRange.PERSISTENT);
        int j = JHash.jhash2(s, persistent ? 0 : d[max]);
        boolean fullRange = false;
        for (int i = 0; i <= max; i++) {
            long minip;
            long dist;
            if (!fullRange) {
                minip = Integer.toUnsignedLong(Integer.reverseBytes(lo[i]));
                long maxip = Integer.toUnsignedLong(Integer.reverseBytes(hi[i]));
                dist = (maxip - minip + 1) & 0xffffffffL;
            } else {
                minip = 0;
                dist = 0xffffffffL;
            }
            long scaled = (Integer.toUnsignedLong(j) * dist) >>> 32;
            var[i] = Integer.reverseBytes((int) (minip + scaled));
            if (var[i] != hi[i]) {
                fullRange = true;
            }
            if (!persistent) {
                j ^= d[i];
            }
        }
        long[] a = fromWords(var, tuple.family);
        setAddress(tuple, src, a[0], a[1]);
    }

    private static void setAddress(Tuple t, boolean src, long hi, long lo) {
        if (src) {
            t.srcHi = hi;
            t.srcLo = lo;
        } else {
            t.dstHi = hi;
            t.dstLo = lo;
        }
    }

    /** The four words of an address as the kernel's u32 loads see them on x86 (byte-swapped big-endian words). */
    private static int[] words(long hi, long lo, int family) {
        if (family == Family.IPV4) {
            return new int[] {Integer.reverseBytes((int) lo), 0, 0, 0};
        }
        return new int[] {Integer.reverseBytes((int) (hi >>> 32)), Integer.reverseBytes((int) hi),
            Integer.reverseBytes((int) (lo >>> 32)), Integer.reverseBytes((int) lo)};
    }

    private static long[] fromWords(int[] w, int family) {
        if (family == Family.IPV4) {
            return new long[] {0, Integer.toUnsignedLong(Integer.reverseBytes(w[0]))};
        }
        long hi = (long) Integer.reverseBytes(w[0]) << 32 | Integer.toUnsignedLong(Integer.reverseBytes(w[1]));
        long lo = (long) Integer.reverseBytes(w[2]) << 32 | Integer.toUnsignedLong(Integer.reverseBytes(w[3]));
        return new long[] {hi, lo};
    }

    /**
     * {@code nf_nat_l4proto_unique_tuple}: moves the port (ICMP: the id) into the range until the tuple is unique.
     * Without a port range, source ports keep their class (below 512, 600-1023, 1024 and up) and destination
     * ports are left alone. The search starts at a random offset (destination NAT without a random flag: at the
     * range's start) and gives up after rounds of 128, 64, 32, 16 and 8 attempts, each from a new random offset.
     */
    void uniqueL4(Tuple tuple, NatRange range, int manip, Connection ct) {
        boolean srcKey;
        long min;
        long size;
        switch (tuple.proto) {
            case IpProto.ICMP:
            case IpProto.ICMPV6:
                srcKey = true;
                if (!range.has(NatRange.PROTO_SPECIFIED)) {
                    min = 0;
                    size = 65536;
                } else {
                    min = range.minProto();
                    size = (range.maxProto() - range.minProto() + 1) & 0xffffffffL;
                }
                search(tuple, range, manip, ct, srcKey, min, size);
                return;
            case IpProto.GRE:
                // Only PPTP's GRE (a connection with a master) has keys NAT may change.
                if (ct.master() == null || !NatEngine.hasPorts(net, ct.family(), IpProto.GRE)) {
                    return;
                }
                srcKey = manip == NatManip.SRC;
                if (!range.has(NatRange.PROTO_SPECIFIED)) {
                    min = 1;
                    size = 65535;
                } else {
                    min = range.minProto();
                    size = (range.maxProto() - range.minProto() + 1) & 0xffffffffL;
                }
                search(tuple, range, manip, ct, srcKey, min, size);
                return;
            case IpProto.UDPLITE:
            case IpProto.SCTP:
            case NatEngine.DCCP:
                // With no tracker for them, their tuples carry no ports to change.
                if (!NatEngine.hasPorts(net, ct.family(), tuple.proto)) {
                    return;
                }
                break;
            case IpProto.UDP:
            case IpProto.TCP:
                break;
            default:
                return;
        }
        srcKey = manip == NatManip.SRC;
        if (!range.has(NatRange.PROTO_SPECIFIED)) {
            if (manip == NatManip.DST) {
                return;
            }
            int port = tuple.srcPort;
            if (port < 1024) {
                // Ports below 512 and 600-1023 stay in their class (credential passing conventions).
                if (port < 512) {
                    min = 1;
                    size = 511;
                } else {
                    min = 600;
                    size = 1023 - 600 + 1;
                }
            } else {
                min = 1024;
                size = 65535 - 1024 + 1;
            }
        } else {
            long lo = range.minProto();
            long hi = range.maxProto();
            if (hi < lo) {
                long t = lo;
                lo = hi;
                hi = t;
            }
            min = lo;
            size = hi - lo + 1;
        }
        search(tuple, range, manip, ct, srcKey, min, size);
    }

    private void search(Tuple tuple, NatRange range, int manip, Connection ct, boolean srcKey, long min, long size) {
        int off;
        if ((range.flags() & RANDOM_ALL) != 0 || manip != NatManip.DST) {
            off = random.nextU16();
        } else {
            off = 0;
        }
        long attempts = Math.min(size, MAX_ATTEMPTS);
        while (true) {
            for (long i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
                int key = (int) ((min + off % size) & 0xffff);
                if (srcKey) {
                    tuple.srcPort = key;
                } else {
                    tuple.dstPort = key;
                }
                // Linux evicts a TIME_WAIT connection in the last 32 attempts (nf_nat_used_tuple_harder); that needs
                // TCP window data the tracker does not export, so those attempts are ordinary ones here.
                if (!usedTuple(tuple, ct)) {
                    return;
                }
            }
            if (attempts >= size || attempts < 16) {
                return;
            }
            attempts /= 2;
            off = random.nextU16();
        }
    }
}
