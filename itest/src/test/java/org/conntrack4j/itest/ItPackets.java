package org.conntrack4j.itest;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;

/** Packets for in-framework tests, sent through a live engine's hooks as a forwarding router would. */
public final class ItPackets {
    private ItPackets() {
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8
            | Integer.parseInt(p[3]);
    }

    /**
     * An IPv4 packet of protocol {@code proto} whose first four L4 bytes are the ports; UDP gets a valid
     * length and checksum, TCP a SYN (or the given flags) header.
     */
    public static Packet ipv4(int proto, String src, int sport, String dst, int dport, int tcpFlags) {
        byte[] l4 = new byte[proto == IpProto.TCP ? 20 : 8];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        if (proto == IpProto.UDP) {
            put16(l4, 4, 8);
        } else if (proto == IpProto.TCP) {
            l4[7] = (byte) 0xe8;
            l4[6] = 0x03;
            if ((tcpFlags & 0x10) != 0) {
                put16(l4, 10, 5000);
            }
            l4[12] = 5 << 4;
            l4[13] = (byte) tcpFlags;
            put16(l4, 14, 65535);
        }
        Packet p = ipv4(src, dst, proto, l4);
        if (proto == IpProto.UDP) {
            p.put16(26, Checksum.computeL4(p, 20, IpProto.UDP, 26));
        }
        return p;
    }

    /**
     * An IPv4 UDP datagram or TCP segment ({@code tcpFlags}, {@code seq}, {@code ack}; ignored for UDP) carrying
     * {@code payload}, with valid checksums.
     */
    public static Packet ipv4(int proto, String src, int sport, String dst, int dport, int tcpFlags, int seq, int ack,
        byte[] payload) {
        int hl = proto == IpProto.TCP ? 20 : 8;
        byte[] l4 = new byte[hl + payload.length];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        System.arraycopy(payload, 0, l4, hl, payload.length);
        if (proto == IpProto.UDP) {
            put16(l4, 4, l4.length);
        } else if (proto == IpProto.TCP) {
            put16(l4, 4, seq >>> 16);
            put16(l4, 6, seq);
            put16(l4, 8, ack >>> 16);
            put16(l4, 10, ack);
            l4[12] = 5 << 4;
            l4[13] = (byte) tcpFlags;
            put16(l4, 14, 65535);
        }
        Packet p = ipv4(src, dst, proto, l4);
        if (proto == IpProto.UDP) {
            p.put16(26, Checksum.computeL4(p, 20, IpProto.UDP, 26));
        }
        return p;
    }

    /** The L4 payload of an IPv4 UDP datagram or TCP segment, as ISO-8859-1 text. */
    public static String payload(Packet p) {
        int l4 = (p.u8(0) & 0x0f) << 2;
        int off = l4 + (p.u8(9) == IpProto.TCP ? (p.u8(l4 + 12) >>> 4) << 2 : 8);
        byte[] b = new byte[p.length() - off];
        p.copyOut(off, b, 0, b.length);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    /**
     * An IPv4 SCTP packet with verification tag {@code vtag} and one chunk of {@code type} whose body is
     * {@code body} (an INIT needs its 16 fixed bytes, the first being the initiate tag), with its CRC32c.
     */
    public static Packet sctp(String src, int sport, String dst, int dport, int vtag, int type, byte[] body) {
        byte[] l4 = new byte[12 + ((4 + body.length + 3) & ~3)];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put16(l4, 4, vtag >>> 16);
        put16(l4, 6, vtag);
        l4[12] = (byte) type;
        put16(l4, 14, 4 + body.length);
        System.arraycopy(body, 0, l4, 16, body.length);
        Packet p = ipv4(src, dst, IpProto.SCTP, l4);
        p.put32(28, Checksum.sctp(p, 20));
        return p;
    }

    /** An SCTP INIT (tag 0) announcing {@code initTag}. */
    public static Packet sctpInit(String src, int sport, String dst, int dport, int initTag) {
        return sctp(src, sport, dst, dport, 0, 1, initBody(initTag));
    }

    /** An SCTP INIT ACK with verification tag {@code vtag} (the INIT's initiate tag) announcing {@code initTag}. */
    public static Packet sctpInitAck(String src, int sport, String dst, int dport, int vtag, int initTag) {
        return sctp(src, sport, dst, dport, vtag, 2, initBody(initTag));
    }

    /** The fixed part of INIT and INIT ACK: initiate tag, window, stream counts, initial TSN 1000. */
    private static byte[] initBody(int initTag) {
        return new byte[] {(byte) (initTag >>> 24), (byte) (initTag >>> 16), (byte) (initTag >>> 8), (byte) initTag,
            0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 3, (byte) 232};
    }

    /**
     * An IPv4 packet of protocol {@code proto} whose L4 part is {@code l4} as given; a TCP segment gets its checksum
     * (the checksum field is overwritten).
     */
    public static Packet ipv4(String src, String dst, int proto, byte[] l4) {
        int total = 20 + l4.length;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, ip(src));
        p.put32(16, ip(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.copyIn(20, l4, 0, l4.length);
        p.family = Family.IPV4;
        if (proto == IpProto.TCP) {
            p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        }
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }

    /** PRE_ROUTING then POST_ROUTING; returns the ct state word seen after PRE_ROUTING. */
    public static String forward(Conntrack net, Packet p) {
        net.packets().runHook(Hook.PRE_ROUTING, p);
        String state = CtInfo.stateName(p.ct != null, p.ctinfo);
        net.packets().runHook(Hook.POST_ROUTING, p);
        return state;
    }

    // ---- the plug-in tests' packets (leak and chaos tests) -----------------------------------------------------

    static Packet udp(String src, int sport, String dst, int dport, String text) {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        byte[] l4 = new byte[8 + data.length];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put16(l4, 4, l4.length);
        System.arraycopy(data, 0, l4, 8, data.length);
        return packet(Family.IPV4, IpProto.UDP, src, dst, l4);
    }

    static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, String text) {
        return tcp(src, sport, dst, dport, seq, ack, flags, text.getBytes(StandardCharsets.US_ASCII));
    }

    static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        byte[] l4 = new byte[20 + data.length];
        put16(l4, 0, sport);
        put16(l4, 2, dport);
        put32(l4, 4, seq);
        put32(l4, 8, ack);
        l4[12] = 5 << 4;
        l4[13] = (byte) flags;
        put16(l4, 14, 64240);
        System.arraycopy(data, 0, l4, 20, data.length);
        return packet(Family.IPV4, IpProto.TCP, src, dst, l4);
    }

    static Packet echo(String src, String dst, int type, int id) {
        byte[] l4 = icmpEcho(type, id);
        return packet(Family.IPV4, IpProto.ICMP, src, dst, l4);
    }

    static byte[] icmpEcho(int type, int id) {
        byte[] l4 = new byte[12];
        l4[0] = (byte) type;
        put16(l4, 4, id);
        put16(l4, 6, 1);
        put32(l4, 8, 0x61626364);
        return l4;
    }

    /** Four 16-bit words: GRE headers, or UDP-Lite's (ports, coverage, checksum). */
    static byte[] words(int a, int b, int c, int d) {
        byte[] l4 = new byte[8];
        put16(l4, 0, a);
        put16(l4, 2, b);
        put16(l4, 4, c);
        put16(l4, 6, d);
        return l4;
    }

    /** An IP packet carrying {@code l4}, with valid IP and L4 checksums. */
    static Packet packet(int family, int proto, String src, String dst, byte[] l4) {
        int hl = family == Family.IPV4 ? 20 : 40;
        int total = hl + l4.length;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        if (family == Family.IPV4) {
            p.put8(0, 0x45);
            p.put16(2, total);
            p.put8(8, 64);
            p.put8(9, proto);
            p.put32(12, ItPackets.ip(src));
            p.put32(16, ItPackets.ip(dst));
            p.put16(10, Checksum.ipv4Header(p));
        } else {
            p.put32(0, 0x60000000);
            p.put16(4, l4.length);
            p.put8(6, proto);
            p.put8(7, 64);
            p.copyIn(8, v6(src), 0, 16);
            p.copyIn(24, v6(dst), 0, 16);
        }
        p.copyIn(hl, l4, 0, l4.length);
        p.family = family;
        if (proto == IpProto.ICMP) {
            p.put16(hl + 2, 0);
            p.put16(hl + 2, ~Checksum.fold(Checksum.add(p, hl, l4.length, 0)) & 0xffff);
        } else if (proto == IpProto.UDP || proto == IpProto.UDPLITE) {
            // UDP-Lite too is summed with a pseudo-header naming UDP, as Linux verifies it
            p.put16(hl + 6, Checksum.computeL4(p, hl, IpProto.UDP, hl + 6));
        } else if (proto == IpProto.TCP) {
            p.put16(hl + 16, Checksum.computeL4(p, hl, proto, hl + 16));
        } else if (proto == IpProto.ICMPV6) {
            p.put16(hl + 2, Checksum.computeL4(p, hl, proto, hl + 2));
        }
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }

    static byte[] v6(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }


    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }

    /** A PPTP control message of {@code type} with a body of {@code size} bytes starting with these words. */
    static byte[] message(int type, int size, int... words) {
        byte[] m = new byte[12 + size];
        put16(m, 0, m.length);
        put16(m, 2, 1);
        put32(m, 4, 0x1a2b3c4d);
        put16(m, 8, type);
        for (int i = 0; i < words.length; i++) {
            put16(m, 12 + 2 * i, words[i]);
        }
        return m;
    }
}
