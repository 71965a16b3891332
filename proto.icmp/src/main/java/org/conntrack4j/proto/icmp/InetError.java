package org.conntrack4j.proto.icmp;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;

/**
 * The part of ICMP and ICMPv6 error handling both versions share ({@code nf_conntrack_inet_error}): an
 * error quotes the start of a packet that could not be delivered; the connection of that packet, if any,
 * adopts the error as RELATED.
 *
 * <p>Stateless. It uses the packet's scratch tuples {@code tuple3} (the quoted packet's tuple) and
 * {@code tuple4} (its inverse), so a valid error costs no allocation.
 */
final class InetError {
    private InetError() {
    }

    /**
     * Finds the connection of the packet quoted at {@code inner} (an IP header) and attaches it to {@code pkt}
     * as RELATED, or RELATED_REPLY when the error travels in the connection's reply direction. Returns
     * {@code Verdict.ACCEPT} when attached, {@code -Verdict.ACCEPT} when the error is invalid: unreadable
     * quote, a quoted packet that could belong to no connection, no such connection, or an error sent to
     * someone other than the quoted packet's sender. {@code proto} names the tracker in a logged reason.
     */
    static int relate(Conntrack net, Packet pkt, int inner, int proto) {
        Tuple quoted = pkt.tuple3;
        Tuple expected = pkt.tuple4;
        if (!net.services().tupleFromHeader(pkt, inner, pkt.family, quoted)) {
            return -Verdict.ACCEPT;
        }
        // The quoted packet went towards the error's sender; the error itself travels the other way, so
        // it belongs to the connection whose tuple is the quote's inverse.
        if (!net.services().invertTuple(expected, quoted)) {
            return -Verdict.ACCEPT;
        }
        Connection ct = net.services().find(expected, 0);
        if (ct == null) {
            return -Verdict.ACCEPT;
        }
        int dir = ct.tupleEquals(Direction.ORIGINAL, expected) ? Direction.ORIGINAL : Direction.REPLY;
        // Anti-spoofing: the error must go to the quoted packet's sender, i.e. the destination of the
        // connection's tuple in this direction. Otherwise a host could pass any packet to a third host as
        // RELATED by quoting a connection it is part of.
        long dstHi;
        long dstLo;
        if (pkt.family == Family.IPV4) {
            dstHi = 0;
            dstLo = pkt.u32(16) & 0xffffffffL;
        } else {
            dstHi = pkt.u64(24);
            dstLo = pkt.u64(32);
        }
        long ctHi = ct.dstHi(dir);
        long ctLo = ct.dstLo(dir);
        if (dstHi != ctHi || dstLo != ctLo) {
            net.packets().logInvalid(pkt, proto, "outer daddr " + address(pkt.family, dstHi, dstLo) + " != inner "
                + address(pkt.family, ctHi, ctLo));
            return -Verdict.ACCEPT;
        }
        pkt.ct = ct;
        pkt.ctinfo = dir == Direction.REPLY ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
        return Verdict.ACCEPT;
    }

    /**
     * An address as the kernel's {@code %pI4} / {@code %pI6} print it: dotted quad, or eight groups of four
     * hex digits, uncompressed ({@code %pI6}, unlike {@code %pI6c}, keeps every zero).
     */
    static String address(int family, long hi, long lo) {
        if (family != Family.IPV6) {
            return Addr.toText(Family.IPV4, hi, lo);
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            long half = i < 4 ? hi : lo;
            int group = (int) (half >>> (48 - 16 * (i & 3))) & 0xffff;
            if (i > 0) {
                sb.append(':');
            }
            for (int shift = 12; shift >= 0; shift -= 4) {
                sb.append(Character.forDigit((group >>> shift) & 0xf, 16));
            }
        }
        return sb.toString();
    }
}
