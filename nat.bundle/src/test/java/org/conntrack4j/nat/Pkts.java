package org.conntrack4j.nat;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.testkit.Packets;

/**
 * The NAT tests' vocabulary over the kit's {@link Packets}: IPv4 packets with identification 0x1234, payloads as
 * text, SCTP INIT chunks, and field readers.
 */
final class Pkts {
    static final int SYN = Packets.SYN;
    static final int ACK = Packets.ACK;
    static final int PSH = Packets.PSH;
    static final int FIN = Packets.FIN;

    private Pkts() {
    }

    private static Packets.Ip ip(String src, String dst) {
        return Packets.ip(src, dst).id(0x1234);
    }

    static Packet wrap(byte[] b) {
        Packet p = new Packet(b.length + 64);
        p.load(b, 0, b.length, 0);
        p.family = Packets.isV6(b) ? Family.IPV6 : Family.IPV4;
        return p;
    }

    static byte[] udp(String src, int sport, String dst, int dport, String payload, boolean checksum) {
        Packets.Ip ip = ip(src, dst).payload(IpProto.UDP, Packets.udp(sport, dport, Packets.ascii(payload)));
        return (checksum ? ip : ip.noChecksum()).build();
    }

    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, String payload) {
        return ip(src, dst).payload(IpProto.TCP, Packets.tcp(sport, dport).seq(seq).ack(ack).flags(flags)
            .data(Packets.ascii(payload)).bytes()).build();
    }

    /** An SCTP packet with verification tag {@code vtag} and the given chunks, its CRC32c computed. */
    static byte[] sctp(String src, int sport, String dst, int dport, int vtag, byte[]... chunks) {
        return ip(src, dst).payload(IpProto.SCTP, Packets.sctp(sport, dport, vtag, chunks)).build();
    }

    /** An SCTP chunk (type, flags, body), padded to 4 bytes. */
    static byte[] chunk(int type, int flags, byte[] body) {
        return Packets.sctpChunk(type, flags, body);
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
        boolean six = Packets.isV6(src);
        byte[] data = new byte[8];
        for (int i = 0; i < 8; i++) {
            data[i] = (byte) ('a' + 8 + i);
        }
        int type = six ? (request ? 128 : 129) : (request ? 8 : 0);
        return ip(src, dst).payload(six ? IpProto.ICMPV6 : IpProto.ICMP, Packets.icmp(type, 0, id << 16 | seq & 0xffff, data))
            .build();
    }

    /** An ICMP error of {@code type}/{@code code} quoting the first {@code quoteLen} bytes of {@code quoted}. */
    static byte[] error(String src, String dst, int type, int code, byte[] quoted, int quoteLen) {
        byte[] body = java.util.Arrays.copyOf(quoted, Math.min(quoteLen, quoted.length));
        return ip(src, dst).payload(Packets.isV6(src) ? IpProto.ICMPV6 : IpProto.ICMP, Packets.icmp(type, code, 0, body))
            .build();
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    static int l4off(byte[] b) {
        return Packets.l4Offset(b);
    }

    static String src(byte[] b) {
        return Packets.src(b);
    }

    static String dst(byte[] b) {
        return Packets.dst(b);
    }

    static int sport(byte[] b) {
        return Packets.sport(b);
    }

    static int dport(byte[] b) {
        return Packets.dport(b);
    }

    static int u16(byte[] b, int off) {
        return Packets.u16(b, off);
    }

    static long u32(byte[] b, int off) {
        return Integer.toUnsignedLong(Packets.u32(b, off));
    }

    /** Does the IPv4 header checksum verify (always true for IPv6)? */
    static boolean ipHeaderOk(byte[] b) {
        return Packets.ipHeaderOk(b);
    }

    /** Does the L4 checksum (TCP, UDP, ICMP, ICMPv6; SCTP's CRC32c) of the packet verify? */
    static boolean l4Ok(byte[] b) {
        return Packets.l4ChecksumOk(b);
    }

    /** The bytes of a quoted packet inside an ICMP error. */
    static byte[] inner(byte[] b) {
        return Packets.inner(b);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }
}
