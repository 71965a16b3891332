package org.conntrack4j.nat;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;

/** Builds IPv4/IPv6 packets with valid checksums for the tests, and reads fields back. */
final class Pkts {
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH = 0x08;
    static final int FIN = 0x01;

    private Pkts() {
    }

    static boolean v6(String addr) {
        return addr.contains(":");
    }

    /** An IP packet around an L4 segment, all checksums computed ({@code l4check}: offset of the L4 checksum, -1). */
    static byte[] ip(String src, String dst, int proto, byte[] l4, int l4check) {
        boolean six = v6(src);
        int hl = six ? 40 : 20;
        byte[] b = new byte[hl + l4.length];
        if (six) {
            b[0] = 0x60;
            put16(b, 4, l4.length);
            b[6] = (byte) proto;
            b[7] = 64;
            putAddr6(b, 8, src);
            putAddr6(b, 24, dst);
        } else {
            b[0] = 0x45;
            put16(b, 2, b.length);
            put16(b, 4, 0x1234);
            b[8] = 64;
            b[9] = (byte) proto;
            put32(b, 12, Addr.parseV4(src));
            put32(b, 16, Addr.parseV4(dst));
        }
        System.arraycopy(l4, 0, b, hl, l4.length);
        Packet p = wrap(b);
        if (!six) {
            p.put16(10, Checksum.ipv4Header(p));
        }
        if (l4check >= 0) {
            if (proto == IpProto.ICMP) {
                p.put16(hl + l4check, 0);
                p.put16(hl + l4check, ~Checksum.fold(Checksum.add(p, hl, l4.length, 0)) & 0xffff);
            } else {
                int c = Checksum.computeL4(p, hl, proto, hl + l4check);
                p.put16(hl + l4check, c == 0 && proto == IpProto.UDP ? 0xffff : c);
            }
        }
        return p.toBytes();
    }

    static Packet wrap(byte[] b) {
        Packet p = new Packet(b.length + 64);
        p.load(b, 0, b.length, 0);
        p.family = (b[0] & 0xf0) == 0x60 ? Family.IPV6 : Family.IPV4;
        return p;
    }

    static byte[] udp(String src, int sport, String dst, int dport, String payload, boolean checksum) {
        byte[] data = payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] l4 = new byte[8 + data.length];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put16(l4, 4, l4.length);
        System.arraycopy(data, 0, l4, 8, data.length);
        return ip(src, dst, IpProto.UDP, l4, checksum ? 6 : -1);
    }

    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, String payload) {
        byte[] data = payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] l4 = new byte[20 + data.length];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put32(l4, 4, seq);
        put32(l4, 8, ack);
        l4[12] = 0x50;
        l4[13] = (byte) flags;
        put16(l4, 14, 64240);
        System.arraycopy(data, 0, l4, 20, data.length);
        return ip(src, dst, IpProto.TCP, l4, 16);
    }

    /** An SCTP packet with verification tag {@code vtag} and the given chunks, its CRC32c computed. */
    static byte[] sctp(String src, int sport, String dst, int dport, int vtag, byte[]... chunks) {
        int n = 12;
        for (byte[] c : chunks) {
            n += c.length;
        }
        byte[] l4 = new byte[n];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put32(l4, 4, vtag);
        int off = 12;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, l4, off, c.length);
            off += c.length;
        }
        byte[] b = ip(src, dst, IpProto.SCTP, l4, -1);
        Packet p = wrap(b);
        p.put32(l4off(b) + 8, Checksum.sctp(p, l4off(b)));
        return p.toBytes();
    }

    /** An SCTP chunk (type, flags, body), padded to 4 bytes. */
    static byte[] chunk(int type, int flags, byte[] body) {
        byte[] c = new byte[(4 + body.length + 3) & ~3];
        c[0] = (byte) type;
        c[1] = (byte) flags;
        put16(c, 2, 4 + body.length);
        System.arraycopy(body, 0, c, 4, body.length);
        return c;
    }

    /** INIT (type 1) or INIT ACK (2) announcing {@code initTag}. */
    static byte[] init(int type, int initTag) {
        byte[] body = new byte[16];
        put32(body, 0, initTag);
        put32(body, 4, 106496);
        put16(body, 8, 10);
        put16(body, 10, 10);
        put32(body, 12, 1000);
        return chunk(type, 0, body);
    }

    /** An echo request (or reply) for ICMP or ICMPv6, by the address family. */
    static byte[] echo(String src, String dst, boolean request, int id, int seq) {
        boolean six = v6(src);
        byte[] l4 = new byte[16];
        l4[0] = (byte) (six ? (request ? 128 : 129) : (request ? 8 : 0));
        put16(l4, 4, id);
        put16(l4, 6, seq);
        for (int i = 8; i < 16; i++) {
            l4[i] = (byte) ('a' + i);
        }
        return ip(src, dst, six ? IpProto.ICMPV6 : IpProto.ICMP, l4, 2);
    }

    /** An ICMP error of {@code type}/{@code code} quoting the first {@code quoteLen} bytes of {@code quoted}. */
    static byte[] error(String src, String dst, int type, int code, byte[] quoted, int quoteLen) {
        boolean six = v6(src);
        int n = Math.min(quoteLen, quoted.length);
        byte[] l4 = new byte[8 + n];
        l4[0] = (byte) type;
        l4[1] = (byte) code;
        System.arraycopy(quoted, 0, l4, 8, n);
        return ip(src, dst, six ? IpProto.ICMPV6 : IpProto.ICMP, l4, 2);
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    static int l4off(byte[] b) {
        return (b[0] & 0xf0) == 0x60 ? 40 : (b[0] & 0x0f) * 4;
    }

    static String src(byte[] b) {
        return (b[0] & 0xf0) == 0x60 ? text6(b, 8) : Addr.toText(Family.IPV4, 0, u32(b, 12));
    }

    static String dst(byte[] b) {
        return (b[0] & 0xf0) == 0x60 ? text6(b, 24) : Addr.toText(Family.IPV4, 0, u32(b, 16));
    }

    static int sport(byte[] b) {
        return u16(b, l4off(b));
    }

    static int dport(byte[] b) {
        return u16(b, l4off(b) + 2);
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    static long u32(byte[] b, int off) {
        return (long) u16(b, off) << 16 | u16(b, off + 2);
    }

    private static String text6(byte[] b, int off) {
        long hi = u32(b, off) << 32 | u32(b, off + 4);
        long lo = u32(b, off + 8) << 32 | u32(b, off + 12);
        return Addr.toText(Family.IPV6, hi, lo);
    }

    /** Does the IPv4 header checksum verify (always true for IPv6)? */
    static boolean ipHeaderOk(byte[] b) {
        if ((b[0] & 0xf0) == 0x60) {
            return true;
        }
        Packet p = wrap(b);
        return Checksum.fold(Checksum.add(p, 0, (b[0] & 0x0f) * 4, 0)) == 0xffff;
    }

    /** Does the L4 checksum (TCP, UDP, ICMP, ICMPv6; SCTP's CRC32c) of the packet verify? */
    static boolean l4Ok(byte[] b) {
        Packet p = wrap(b);
        int off = l4off(b);
        int proto = (b[0] & 0xf0) == 0x60 ? b[6] & 0xff : b[9] & 0xff;
        if (proto == IpProto.SCTP) {
            return Checksum.sctpValid(p, off);
        }
        if (proto == IpProto.ICMP) {
            return Checksum.fold(Checksum.add(p, off, b.length - off, 0)) == 0xffff;
        }
        return Checksum.l4Valid(p, off, proto);
    }

    /** The bytes of a quoted packet inside an ICMP error. */
    static byte[] inner(byte[] b) {
        int off = l4off(b) + 8;
        return java.util.Arrays.copyOfRange(b, off, b.length);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }

    private static void putAddr6(byte[] b, int off, String a) {
        long[] v = Addr.parseV6(a);
        put32(b, off, (int) (v[0] >>> 32));
        put32(b, off + 4, (int) v[0]);
        put32(b, off + 8, (int) (v[1] >>> 32));
        put32(b, off + 12, (int) v[1]);
    }
}
