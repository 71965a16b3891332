package org.conntrack4j.core.api;

import org.conntrack4j.core.inet.Addr;

/**
 * A connection tuple ({@code struct nf_conntrack_tuple}) held in primitives, so that the packet path can
 * reuse one instance per thread instead of allocating.
 *
 * <p>Addresses are 128-bit values in two longs, most significant half first: an IPv4 address is stored as
 * {@code hi = 0, lo = address} (unsigned, in the low 32 bits). The two 16-bit "u" fields carry the L4
 * identity: source and destination ports for TCP, UDP and alike; for ICMP the identifier in
 * {@link #srcPort} and {@code type << 8 | code} in {@link #dstPort}, as Linux's
 * {@code src.u.icmp.id} / {@code dst.u.icmp.type, code}. Filling and inverting the "u" fields is the L4
 * tracker's job; the addresses are the core's.
 *
 * <p>Not thread-safe: a tuple belongs to one thread at a time.
 */
public final class Tuple {
    /** {@link Family#IPV4} or {@link Family#IPV6}. */
    public int family;
    /** L4 protocol number. */
    public int proto;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** Source "u" field (port or ICMP id), 0..65535. */
    public int srcPort;
    /** Destination "u" field (port or ICMP type and code), 0..65535. */
    public int dstPort;
    /** {@link Direction#ORIGINAL} or {@link Direction#REPLY}: which side of a connection this tuple is. */
    public int dir;

    public Tuple() {
    }

    public Tuple copyFrom(Tuple t) {
        family = t.family;
        proto = t.proto;
        srcHi = t.srcHi;
        srcLo = t.srcLo;
        dstHi = t.dstHi;
        dstLo = t.dstLo;
        srcPort = t.srcPort;
        dstPort = t.dstPort;
        dir = t.dir;
        return this;
    }

    public Tuple clear() {
        family = 0;
        proto = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        srcPort = dstPort = 0;
        dir = Direction.ORIGINAL;
        return this;
    }

    /** Sets family and IPv4 addresses. */
    public Tuple ipv4(int src, int dst) {
        family = Family.IPV4;
        srcHi = 0;
        srcLo = src & 0xffffffffL;
        dstHi = 0;
        dstLo = dst & 0xffffffffL;
        return this;
    }

    /** Fills the L3 part of the inverse of {@code orig} (swapped addresses, opposite direction). */
    public Tuple invertL3(Tuple orig) {
        family = orig.family;
        proto = orig.proto;
        srcHi = orig.dstHi;
        srcLo = orig.dstLo;
        dstHi = orig.srcHi;
        dstLo = orig.srcLo;
        dir = orig.dir ^ 1;
        return this;
    }

    /** The ICMP identifier ({@code src.u.icmp.id}). */
    public int icmpId() {
        return srcPort;
    }

    /** The ICMP type ({@code dst.u.icmp.type}). */
    public int icmpType() {
        return dstPort >>> 8;
    }

    /** The ICMP code ({@code dst.u.icmp.code}). */
    public int icmpCode() {
        return dstPort & 0xff;
    }

    /** Stores an ICMP id, type and code in the "u" fields. */
    public Tuple icmp(int id, int type, int code) {
        srcPort = id & 0xffff;
        dstPort = (type & 0xff) << 8 | (code & 0xff);
        return this;
    }

    /** Equal in everything but the direction ({@code nf_ct_tuple_equal}). */
    public boolean sameAs(Tuple t) {
        return srcLo == t.srcLo && dstLo == t.dstLo && srcPort == t.srcPort && dstPort == t.dstPort
            && srcHi == t.srcHi && dstHi == t.dstHi && proto == t.proto && family == t.family;
    }

    /** The source address as text (dotted quad or RFC 5952 IPv6). */
    public String srcText() {
        return Addr.toText(family, srcHi, srcLo);
    }

    public String dstText() {
        return Addr.toText(family, dstHi, dstLo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tuple && sameAs((Tuple) o) && dir == ((Tuple) o).dir;
    }

    @Override
    public int hashCode() {
        long h = srcLo * 31 + dstLo;
        h = h * 31 + srcHi;
        h = h * 31 + dstHi;
        h = h * 31 + ((long) srcPort << 16 | dstPort);
        h = h * 31 + (proto << 8 | family);
        return Long.hashCode(h);
    }

    @Override
    public String toString() {
        return Family.name(family) + " " + IpProto.ctName(proto) + "(" + proto + ") src=" + srcText() + " dst="
            + dstText() + " u=" + srcPort + "/" + dstPort + " dir=" + Direction.name(dir);
    }
}
