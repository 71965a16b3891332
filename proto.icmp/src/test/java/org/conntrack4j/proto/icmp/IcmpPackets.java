package org.conntrack4j.proto.icmp;

import java.util.Arrays;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.testkit.Packets;

/**
 * The ICMP tests' vocabulary over the kit's {@link Packets}: IPv4 packets with identification 0x1234 and DF (as the
 * recording hosts sent them), IPv6 packets with a hop limit, queries, errors and the flows they quote, all
 * checksums right (so that a test about a bad checksum breaks one on purpose).
 */
final class IcmpPackets {
    static final int ICMP = IpProto.ICMP;
    static final int TCP = IpProto.TCP;
    static final int UDP = IpProto.UDP;
    static final int ICMPV6 = IpProto.ICMPV6;

    private IcmpPackets() {
    }

    static byte[] addr(String literal) {
        return Packets.addr(literal);
    }

    // ---- IPv4 ----------------------------------------------------------------------------------------------

    /** An IPv4 packet (no options) around {@code payload}, checksums set. */
    static byte[] ipv4(String src, String dst, int proto, int ttl, byte[] payload) {
        return Packets.ip(src, dst).id(0x1234).df().ttl(ttl).payload(proto, payload).build();
    }

    /** An ICMP message: type, code, then the 4-byte word (id/sequence, unused, MTU...) and a body. */
    static byte[] icmpMessage(int type, int code, int word, byte[] body) {
        return Packets.icmp(type, code, word, body);
    }

    static byte[] echo4(String src, String dst, int type, int id, int seq) {
        return ipv4(src, dst, ICMP, 64, icmpMessage(type, 0, id << 16 | seq, "abcdefgh".getBytes()));
    }

    /** An ICMP query or reply of any type with the identifier in bytes 4-5. */
    static byte[] query4(String src, String dst, int type, int code, int id) {
        return ipv4(src, dst, ICMP, 64, icmpMessage(type, code, id << 16 | 1, new byte[12]));
    }

    /** An ICMP error quoting the first {@code quoteLen} bytes of {@code offending}. */
    static byte[] error4(String src, String dst, int type, int code, int word, byte[] offending, int quoteLen) {
        return ipv4(src, dst, ICMP, 64, icmpMessage(type, code, word,
            Arrays.copyOf(offending, Math.min(quoteLen, offending.length))));
    }

    /** An ICMP error quoting the offending packet's IP header and 8 bytes (RFC 792). */
    static byte[] error4(String src, String dst, int type, int code, byte[] offending) {
        return error4(src, dst, type, code, 0, offending, 28);
    }

    static byte[] udp4(String src, int sport, String dst, int dport) {
        return ipv4(src, dst, UDP, 64, udpHeader(sport, dport, "data".getBytes()));
    }

    static byte[] tcp4(String src, int sport, String dst, int dport, int flags) {
        return ipv4(src, dst, TCP, 64, tcpHeader(sport, dport, flags));
    }

    // ---- IPv6 ----------------------------------------------------------------------------------------------

    /** An IPv6 packet around {@code payload} whose first header is {@code next}; L4 checksum set for ICMPv6/UDP/TCP. */
    static byte[] ipv6(String src, String dst, int next, int hlim, byte[] payload) {
        return ipv6(src, dst, next, hlim, payload, next, 0);
    }

    /**
     * As {@link #ipv6(String, String, int, int, byte[])} where the L4 header of protocol {@code l4} starts
     * {@code l4off} bytes into the payload (after extension headers).
     */
    static byte[] ipv6(String src, String dst, int next, int hlim, byte[] payload, int l4, int l4off) {
        return Packets.ip(src, dst).ttl(hlim).payload(next, payload, l4, l4off).build();
    }

    static byte[] echo6(String src, String dst, int type, int id, int seq) {
        return ipv6(src, dst, ICMPV6, 64, icmpMessage(type, 0, id << 16 | seq, "abcdefgh".getBytes()));
    }

    static byte[] icmp6(String src, String dst, int hlim, int type, int code, int word, byte[] body) {
        return ipv6(src, dst, ICMPV6, hlim, icmpMessage(type, code, word, body));
    }

    /** An ICMPv6 error quoting the first {@code quoteLen} bytes of {@code offending}. */
    static byte[] error6(String src, String dst, int type, int code, int word, byte[] offending, int quoteLen) {
        return icmp6(src, dst, 64, type, code, word, Arrays.copyOf(offending, Math.min(quoteLen, offending.length)));
    }

    static byte[] error6(String src, String dst, int type, int code, byte[] offending) {
        return error6(src, dst, type, code, 0, offending, 1232);
    }

    static byte[] udp6(String src, int sport, String dst, int dport) {
        return ipv6(src, dst, UDP, 64, udpHeader(sport, dport, "data".getBytes()));
    }

    static byte[] tcp6(String src, int sport, String dst, int dport, int flags) {
        return ipv6(src, dst, TCP, 64, tcpHeader(sport, dport, flags));
    }

    // ---- L4 headers ---------------------------------------------------------------------------------------------

    static byte[] udpHeader(int sport, int dport, byte[] data) {
        return Packets.udp(sport, dport, data);
    }

    static byte[] tcpHeader(int sport, int dport, int flags) {
        return Packets.tcp(sport, dport).seq(1000).ack(flags == 2 ? 0 : 2000).flags(flags).bytes();
    }

    /** Flips a bit of the byte at {@code off}: breaks the checksum that covers it. */
    static byte[] corrupt(byte[] p, int off) {
        byte[] c = p.clone();
        c[off] ^= 0x01;
        return c;
    }

    static byte[] concat(byte[]... parts) {
        return Packets.concat(parts);
    }
}
