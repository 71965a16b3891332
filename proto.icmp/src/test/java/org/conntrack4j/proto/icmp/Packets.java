package org.conntrack4j.proto.icmp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds IPv4 and IPv6 packets for the tests, with correct IP, ICMP, UDP and TCP checksums (so that a test
 * about a bad checksum breaks one on purpose). Addresses are literals.
 */
final class Packets {
    static final int ICMP = 1;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMPV6 = 58;

    private Packets() {
    }

    static byte[] addr(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    // ---- IPv4 ----------------------------------------------------------------------------------------------

    /** An IPv4 packet (no options) around {@code payload}, header checksum set. */
    static byte[] ipv4(String src, String dst, int proto, int ttl, byte[] payload) {
        byte[] p = new byte[20 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put((byte) 0x45).put((byte) 0).putShort((short) p.length).putShort((short) 0x1234).putShort((short) 0x4000)
            .put((byte) ttl).put((byte) proto).putShort((short) 0).put(addr(src)).put(addr(dst)).put(payload);
        setShort(p, 10, ~sum(p, 0, 20, 0));
        if (proto == ICMP) {
            setShort(p, 22, ~sum(p, 20, payload.length, 0));
        } else if (proto == UDP || proto == TCP) {
            int check = proto == UDP ? 26 : 36;
            long pseudo = sum(p, 12, 8, 0) + proto + payload.length;
            setShort(p, check, ~sum(p, 20, payload.length, pseudo));
        }
        return p;
    }

    /** An ICMP message: type, code, then the 4-byte word (id/sequence, unused, MTU...) and a body. */
    static byte[] icmpMessage(int type, int code, int word, byte[] body) {
        byte[] m = new byte[8 + body.length];
        ByteBuffer.wrap(m).put((byte) type).put((byte) code).putShort((short) 0).putInt(word).put(body);
        return m;
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
        byte[] p = new byte[40 + payload.length];
        ByteBuffer.wrap(p).putInt(0x60000000).putShort((short) payload.length).put((byte) next).put((byte) hlim)
            .put(addr(src)).put(addr(dst)).put(payload);
        int check = l4 == ICMPV6 ? 2 : l4 == UDP ? 6 : l4 == TCP ? 16 : -1;
        if (check >= 0) {
            int len = payload.length - l4off;
            long pseudo = sum(p, 8, 32, 0) + l4 + len;
            setShort(p, 40 + l4off + check, ~sum(p, 40 + l4off, len, pseudo));
        }
        return p;
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

    // ---- L4 headers and checksums -----------------------------------------------------------------------------

    static byte[] udpHeader(int sport, int dport, byte[] data) {
        byte[] u = new byte[8 + data.length];
        ByteBuffer.wrap(u).putShort((short) sport).putShort((short) dport).putShort((short) u.length).putShort((short) 0)
            .put(data);
        return u;
    }

    static byte[] tcpHeader(int sport, int dport, int flags) {
        byte[] t = new byte[20];
        ByteBuffer.wrap(t).putShort((short) sport).putShort((short) dport).putInt(1000).putInt(flags == 2 ? 0 : 2000)
            .put((byte) 0x50).put((byte) flags).putShort((short) 64240);
        return t;
    }

    static long sum(byte[] p, int off, int n, long start) {
        long s = start;
        int i = off;
        for (; i + 1 < off + n; i += 2) {
            s += (p[i] & 0xff) << 8 | (p[i + 1] & 0xff);
        }
        if (i < off + n) {
            s += (p[i] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s;
    }

    static void setShort(byte[] p, int off, long v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }

    /** Flips a bit of the byte at {@code off}: breaks the checksum that covers it. */
    static byte[] corrupt(byte[] p, int off) {
        byte[] c = p.clone();
        c[off] ^= 0x01;
        return c;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] x : parts) {
            n += x.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] x : parts) {
            System.arraycopy(x, 0, out, at, x.length);
            at += x.length;
        }
        return out;
    }
}
