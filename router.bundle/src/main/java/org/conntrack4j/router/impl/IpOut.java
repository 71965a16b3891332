package org.conntrack4j.router.impl;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;

/** Building the IP packets the router originates, and the header edits forwarding makes. */
final class IpOut {
    /** Linux's {@code ip_default_ttl} and IPv6 default hop limit. */
    static final int DEFAULT_TTL = 64;

    private IpOut() {
    }

    /** {@code ip_decrease_ttl}: TTL minus one with the header checksum updated incrementally. */
    static void decreaseTtl(Packet p) {
        int old = p.u16(8);
        p.put8(8, p.u8(8) - 1);
        p.put16(10, Checksum.replace16(p.u16(10), old, p.u16(8)));
    }

    /**
     * {@code ip_forward_options} for a record-route option (type 7) with room left: the outgoing interface's
     * address goes into the next slot, the pointer moves on by 4 and the header checksum is updated. Linux
     * writes the slot on input and overwrites it with the outgoing address here; the result is the same. Other
     * options pass unchanged (a timestamp option would carry the time of day: not reproduced).
     */
    static void recordRoute(Packet p, NetDevice out) {
        int ihl = (p.u8(0) & 0x0f) << 2;
        int at = 20;
        while (at < ihl) {
            int type = p.u8(at);
            if (type == 0) {
                return;
            }
            if (type == 1) {
                at++;
                continue;
            }
            if (at + 1 >= ihl) {
                return;
            }
            int len = p.u8(at + 1);
            if (len < 2 || at + len > ihl) {
                return;
            }
            int ptr = len >= 3 ? p.u8(at + 2) : 0;
            if (type == 7 && len >= 3 && ptr >= 4 && ptr + 3 <= len) {
                NetDevice.IfAddr a = out.primary(Family.IPV4);
                if (a == null) {
                    return;
                }
                p.put32(at + ptr - 1, (int) a.lo);
                p.put8(at + 2, ptr + 4);
                p.put16(10, Checksum.ipv4Header(p));
                return;
            }
            at += len;
        }
    }

    /**
     * Writes an IPv4 header for a router-originated packet carrying {@code payloadLen} bytes of protocol
     * {@code proto}; the payload is written by the caller at offset 20.
     */
    static void ipv4Header(Packet p, int tos, int id, boolean df, int ttl, int proto, long src, long dst, int payloadLen) {
        p.put8(0, 0x45);
        p.put8(1, tos);
        p.put16(2, 20 + payloadLen);
        p.put16(4, id);
        p.put16(6, df ? 0x4000 : 0);
        p.put8(8, ttl);
        p.put8(9, proto);
        p.put16(10, 0);
        p.put32(12, (int) src);
        p.put32(16, (int) dst);
        p.put16(10, Checksum.ipv4Header(p));
        p.family = Family.IPV4;
    }

    /** Writes an IPv6 header; the payload follows at offset 40. */
    static void ipv6Header(Packet p, int tclass, int flowLabel, int hopLimit, int nextHeader, long srcHi, long srcLo,
        long dstHi, long dstLo, int payloadLen) {
        p.put32(0, 6 << 28 | (tclass & 0xff) << 20 | (flowLabel & 0xfffff));
        p.put16(4, payloadLen);
        p.put8(6, nextHeader);
        p.put8(7, hopLimit);
        p.put32(8, (int) (srcHi >>> 32));
        p.put32(12, (int) srcHi);
        p.put32(16, (int) (srcLo >>> 32));
        p.put32(20, (int) srcLo);
        p.put32(24, (int) (dstHi >>> 32));
        p.put32(28, (int) dstHi);
        p.put32(32, (int) (dstLo >>> 32));
        p.put32(36, (int) dstLo);
        p.family = Family.IPV6;
    }

    /** Sets the ICMP (v4) checksum of the message at {@code off} to the end of the packet. */
    static void icmpChecksum(Packet p, int off) {
        p.put16(off + 2, 0);
        p.put16(off + 2, ~Checksum.fold(Checksum.add(p, off, p.length() - off, 0)) & 0xffff);
    }

    /** Sets the checksum of an ICMPv6 / TCP / UDP segment at {@code off} (pseudo-header included). */
    static void l4Checksum(Packet p, int off, int proto, int checkOff) {
        int c = Checksum.computeL4(p, off, proto, checkOff);
        if (proto == IpProto.UDP && c == 0) {
            c = 0xffff;
        }
        p.put16(checkOff, c);
    }
}
