package org.conntrack4j.itest;

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
        return ipv4(proto, src, sport, dst, dport, tcpFlags, 1000, (tcpFlags & 0x10) != 0 ? 5000 : 0, new byte[0]);
    }

    /**
     * An IPv4 UDP datagram or TCP segment ({@code tcpFlags}, {@code seq}, {@code ack}; ignored for UDP) carrying
     * {@code payload}, with valid checksums.
     */
    public static Packet ipv4(int proto, String src, int sport, String dst, int dport, int tcpFlags, int seq, int ack,
        byte[] payload) {
        int l4 = proto == IpProto.TCP ? 20 : 8;
        int total = 20 + l4 + payload.length;
        // room for a link header before it, and for a helper's rewrite to grow it
        Packet p = new Packet(14 + total + 64);
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, ip(src));
        p.put32(16, ip(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.put16(20, sport);
        p.put16(22, dport);
        p.copyIn(20 + l4, payload, 0, payload.length);
        p.family = Family.IPV4;
        if (proto == IpProto.UDP) {
            p.put16(24, 8 + payload.length);
            p.put16(26, Checksum.computeL4(p, 20, IpProto.UDP, 26));
        } else if (proto == IpProto.TCP) {
            p.put32(24, seq);
            p.put32(28, ack);
            p.put8(32, 5 << 4);
            p.put8(33, tcpFlags);
            p.put16(34, 65535);
            p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        }
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
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

    /**
     * An IPv4 SCTP packet with verification tag {@code vtag} and one chunk of {@code type} whose body is
     * {@code body} (an INIT needs its 16 fixed bytes, the first being the initiate tag), with its CRC32c.
     */
    public static Packet sctp(String src, int sport, String dst, int dport, int vtag, int type, byte[] body) {
        int chunk = (4 + body.length + 3) & ~3;
        int total = 20 + 12 + chunk;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, IpProto.SCTP);
        p.put32(12, ip(src));
        p.put32(16, ip(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.put16(20, sport);
        p.put16(22, dport);
        p.put32(24, vtag);
        p.put8(32, type);
        p.put16(34, 4 + body.length);
        p.copyIn(36, body, 0, body.length);
        p.family = Family.IPV4;
        p.put32(28, Checksum.sctp(p, 20));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
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

    /** PRE_ROUTING then POST_ROUTING; returns the ct state word seen after PRE_ROUTING. */
    public static String forward(Conntrack net, Packet p) {
        net.packets().runHook(Hook.PRE_ROUTING, p);
        String state = CtInfo.stateName(p.ct != null, p.ctinfo);
        net.packets().runHook(Hook.POST_ROUTING, p);
        return state;
    }
}
