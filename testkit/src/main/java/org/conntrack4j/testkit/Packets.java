package org.conntrack4j.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * Builds IPv4 and IPv6 packets (from the IP header on, no link header) with right checksums, so that a test about
 * a bad checksum breaks one on purpose, and reads fields back. The family follows the source address literal.
 *
 * <pre>{@code
 * byte[] syn = Packets.ip("198.51.100.10", "203.0.113.10")
 *     .payload(IpProto.TCP, Packets.tcp(40000, 80).seq(1000).flags("S").options(Packets.mss(1460)).bytes())
 *     .build();
 * byte[] dns = Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, Packets.ascii("query"));
 * }</pre>
 *
 * Checksums filled in by {@link Ip#build()}: the IPv4 header's, and the transport's for TCP, UDP (0 sent as 0xffff),
 * ICMP, ICMPv6 and SCTP (CRC32c); other protocols' bytes are left as given.
 */
public final class Packets {
    /** TCP flag bits. */
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private Packets() {
    }

    // ---- IP ------------------------------------------------------------------------------------------------------

    /** An IP packet from {@code src} to {@code dst} (IPv4 or IPv6 by the literals), to be given a payload. */
    public static Ip ip(String src, String dst) {
        return new Ip(src, dst);
    }

    /** An IP packet around {@code l4} of protocol {@code proto} with every checksum right. */
    public static byte[] ip(String src, String dst, int proto, byte[] l4) {
        return new Ip(src, dst).payload(proto, l4).build();
    }

    /** The IP layer of a test packet; {@link #build()} makes the bytes. */
    public static final class Ip {
        private final boolean v6;
        private final byte[] src;
        private final byte[] dst;
        private int ttl = 64;
        private int id;
        private int tos;
        private int fragWord;
        private int next = -1;
        private byte[] rest = new byte[0];
        private int l4proto = -1;
        private int l4off;
        private boolean checksum = true;
        private boolean badChecksum;

        Ip(String src, String dst) {
            this.v6 = isV6(src);
            if (v6 != isV6(dst)) {
                throw new IllegalArgumentException("mixed families: " + src + " " + dst);
            }
            this.src = addr(src);
            this.dst = addr(dst);
        }

        /** TTL or hop limit (64 unless set). */
        public Ip ttl(int v) {
            ttl = v;
            return this;
        }

        /** IPv4 identification (0 unless set). */
        public Ip id(int v) {
            id = v;
            return this;
        }

        /** IPv4 TOS or IPv6 traffic class. */
        public Ip tos(int v) {
            tos = v;
            return this;
        }

        /** IPv4 don't fragment. */
        public Ip df() {
            fragWord |= 0x4000;
            return this;
        }

        /**
         * IPv4 flags and fragment offset word ({@code 0x2000} more fragments, offset in 8-byte units). A fragment's
         * transport checksum is left as given.
         */
        public Ip fragment(int word) {
            fragWord = word;
            return this;
        }

        /** The transport segment (IPv4 protocol, or IPv6 next header with no extension header). */
        public Ip payload(int proto, byte[] l4) {
            return payload(proto, l4, proto, 0);
        }

        /**
         * What follows the fixed header: {@code first} is the protocol or next header field, {@code bytes} the
         * extension headers (IPv6) and the transport segment, whose protocol {@code l4proto} starts {@code l4off}
         * bytes in ({@code l4proto} -1: no checksum to fill in).
         */
        public Ip payload(int first, byte[] bytes, int l4proto, int l4off) {
            this.next = first;
            this.rest = bytes.clone();
            this.l4proto = l4proto;
            this.l4off = l4off;
            return this;
        }

        /** Leave the transport checksum as given. */
        public Ip noChecksum() {
            checksum = false;
            return this;
        }

        /** Spoil the transport checksum after computing it. */
        public Ip badChecksum() {
            badChecksum = true;
            return this;
        }

        public byte[] build() {
            if (next < 0) {
                throw new IllegalStateException("no payload");
            }
            int hl = v6 ? 40 : 20;
            byte[] b = new byte[hl + rest.length];
            ByteBuffer w = ByteBuffer.wrap(b);
            if (v6) {
                w.putInt(0x60000000 | (tos & 0xff) << 20).putShort((short) rest.length).put((byte) next)
                    .put((byte) ttl).put(src).put(dst);
            } else {
                w.put((byte) 0x45).put((byte) tos).putShort((short) b.length).putShort((short) id)
                    .putShort((short) fragWord).put((byte) ttl).put((byte) next).putShort((short) 0).put(src).put(dst);
            }
            w.put(rest);
            Packet p = new Packet(b.length + 64).load(b, 0, b.length, 0);
            p.family = v6 ? Family.IPV6 : Family.IPV4;
            if (!v6) {
                p.put16(10, Checksum.ipv4Header(p));
            }
            boolean fragment = !v6 && (fragWord & 0x3fff) != 0;
            if (checksum && !fragment && l4proto >= 0) {
                int at = fillChecksum(p, hl + l4off, l4proto);
                if (badChecksum && at >= 0) {
                    p.put16(at, p.u16(at) ^ 0x5a5a);
                }
            }
            return p.toBytes();
        }
    }

    /** Computes the transport checksum of the segment at {@code off}; returns the field's offset, or -1 if none. */
    private static int fillChecksum(Packet p, int off, int proto) {
        int n = p.length() - off;
        switch (proto) {
            case IpProto.TCP:
                if (n < 20) {
                    return -1;
                }
                p.put16(off + 16, Checksum.computeL4(p, off, proto, off + 16));
                return off + 16;
            case IpProto.UDP:
                if (n < 8) {
                    return -1;
                }
                int c = Checksum.computeL4(p, off, proto, off + 6);
                p.put16(off + 6, c == 0 ? 0xffff : c);
                return off + 6;
            case IpProto.ICMP:
                if (n < 4) {
                    return -1;
                }
                p.put16(off + 2, 0);
                p.put16(off + 2, ~Checksum.fold(Checksum.add(p, off, n, 0)) & 0xffff);
                return off + 2;
            case IpProto.ICMPV6:
                if (n < 4) {
                    return -1;
                }
                p.put16(off + 2, Checksum.computeL4(p, off, proto, off + 2));
                return off + 2;
            case IpProto.SCTP:
                if (n < 12) {
                    return -1;
                }
                p.put32(off + 8, Checksum.sctp(p, off));
                return off + 8;
            default:
                return -1;
        }
    }

    /**
     * Recomputes, in place, the checksums of the IP packet at {@code ipOff} of {@code buf} (a frame, or the packet
     * itself at 0) after a test edited it: the IPv4 header's and the transport's, as {@link Ip#build} fills them
     * (no IPv6 extension headers; fragments' transport checksums are left alone).
     */
    public static void fixChecksums(byte[] buf, int ipOff) {
        byte[] ip = java.util.Arrays.copyOfRange(buf, ipOff, buf.length);
        int len = Math.min(ipLength(ip), ip.length);
        Packet p = new Packet(len + 64).load(ip, 0, len, 0);
        boolean v6 = isV6(ip);
        p.family = v6 ? Family.IPV6 : Family.IPV4;
        if (!v6) {
            p.put16(10, Checksum.ipv4Header(p));
        }
        if (v6 || (p.u16(6) & 0x3fff) == 0) {
            fillChecksum(p, l4Offset(ip), proto(ip));
        }
        p.copyOut(0, buf, ipOff, len);
    }

    // ---- transport ---------------------------------------------------------------------------------------------

    /** A UDP header (length set, checksum left for {@link Ip#build}) and its data. */
    public static byte[] udp(int sport, int dport, byte[] data) {
        byte[] u = new byte[8 + data.length];
        ByteBuffer.wrap(u).putShort((short) sport).putShort((short) dport).putShort((short) u.length)
            .putShort((short) 0).put(data);
        return u;
    }

    /** A UDP datagram from {@code src:sport} to {@code dst:dport}, checksums right. */
    public static byte[] udp(String src, int sport, String dst, int dport, byte[] data) {
        return ip(src, dst, IpProto.UDP, udp(sport, dport, data));
    }

    /** A TCP segment to describe: sequence and acknowledgement 0, no flags, window 64240 unless set. */
    public static Tcp tcp(int sport, int dport) {
        return new Tcp(sport, dport);
    }

    /** A TCP segment without options from {@code src:sport} to {@code dst:dport}, checksums right. */
    public static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        return ip(src, dst, IpProto.TCP, tcp(sport, dport).seq(seq).ack(ack).flags(flags).data(data).bytes());
    }

    /** A TCP header and data. */
    public static final class Tcp {
        private final int sport;
        private final int dport;
        private int seq;
        private int ack;
        private int flags;
        private int win = 64240;
        private int urg;
        private byte[] options = new byte[0];
        private byte[] data = new byte[0];
        private int doff = -1;

        Tcp(int sport, int dport) {
            this.sport = sport;
            this.dport = dport;
        }

        public Tcp seq(int v) {
            seq = v;
            return this;
        }

        public Tcp ack(int v) {
            ack = v;
            return this;
        }

        /** Flag bits ({@link #SYN} | {@link #ACK} ...). */
        public Tcp flags(int bits) {
            flags = bits;
            return this;
        }

        /** Flags as letters: F S R P A U E C. */
        public Tcp flags(String letters) {
            flags = flagBits(letters);
            return this;
        }

        public Tcp win(int v) {
            win = v;
            return this;
        }

        public Tcp urgent(int v) {
            urg = v;
            return this;
        }

        /** Options, concatenated and padded with zeros (end of options) to a multiple of 4 bytes. */
        public Tcp options(byte[]... parts) {
            byte[] o = concat(parts);
            options = Arrays.copyOf(o, (o.length + 3) & ~3);
            return this;
        }

        public Tcp data(byte[] d) {
            data = d.clone();
            return this;
        }

        /** {@code n} bytes of data ({@code x}). */
        public Tcp data(int n) {
            data = new byte[n];
            Arrays.fill(data, (byte) 'x');
            return this;
        }

        /** A data offset (32-bit words) other than the header's real length. */
        public Tcp doff(int words) {
            doff = words;
            return this;
        }

        public byte[] bytes() {
            int d = doff >= 0 ? doff : (20 + options.length) / 4;
            ByteBuffer b = ByteBuffer.allocate(20 + options.length + data.length);
            b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack).put((byte) (d << 4))
                .put((byte) flags).putShort((short) win).putShort((short) 0).putShort((short) urg).put(options)
                .put(data);
            return b.array();
        }
    }

    /** Flags written as letters (F S R P A U E C) as bits. */
    public static int flagBits(String letters) {
        int f = 0;
        for (char c : letters.toCharArray()) {
            f |= switch (c) {
                case 'F' -> FIN;
                case 'S' -> SYN;
                case 'R' -> RST;
                case 'P' -> PSH;
                case 'A' -> ACK;
                case 'U' -> URG;
                case 'E' -> ECE;
                case 'C' -> CWR;
                default -> throw new IllegalArgumentException("TCP flag " + c);
            };
        }
        return f;
    }

    /** TCP option: maximum segment size. */
    public static byte[] mss(int v) {
        return new byte[] {2, 4, (byte) (v >>> 8), (byte) v};
    }

    /** TCP option: window scale. */
    public static byte[] wscale(int shift) {
        return new byte[] {1, 3, 3, (byte) shift};
    }

    /** TCP option: SACK permitted. */
    public static byte[] sackPermitted() {
        return new byte[] {4, 2};
    }

    /** TCP option: two NOPs and a SACK block list with the given (left, right) edges. */
    public static byte[] sack(int... edges) {
        ByteBuffer b = ByteBuffer.allocate(4 + edges.length * 4);
        b.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + edges.length * 4));
        for (int e : edges) {
            b.putInt(e);
        }
        return b.array();
    }

    /** An ICMP or ICMPv6 message: type, code, checksum (left for {@link Ip#build}), the 4-byte word, a body. */
    public static byte[] icmp(int type, int code, int word, byte[] body) {
        byte[] m = new byte[8 + body.length];
        ByteBuffer.wrap(m).put((byte) type).put((byte) code).putShort((short) 0).putInt(word).put(body);
        return m;
    }

    /** An echo request or reply (ICMP or ICMPv6 by the family) with identifier, sequence and 8 bytes of data. */
    public static byte[] echo(String src, String dst, boolean request, int id, int seq) {
        boolean six = isV6(src);
        int type = six ? (request ? 128 : 129) : (request ? 8 : 0);
        return ip(src, dst, six ? IpProto.ICMPV6 : IpProto.ICMP,
            icmp(type, 0, id << 16 | seq & 0xffff, ascii("abcdefgh")));
    }

    /**
     * An ICMP or ICMPv6 error of {@code type}/{@code code} (word 0) from {@code src} to {@code dst} quoting the first
     * {@code quoteLen} bytes of {@code quoted}.
     */
    public static byte[] icmpError(String src, String dst, int type, int code, byte[] quoted, int quoteLen) {
        byte[] body = Arrays.copyOf(quoted, Math.min(quoteLen, quoted.length));
        return ip(src, dst, isV6(src) ? IpProto.ICMPV6 : IpProto.ICMP, icmp(type, code, 0, body));
    }

    /** An SCTP common header with verification tag {@code vtag} (CRC left for {@link Ip#build}) and the chunks. */
    public static byte[] sctp(int sport, int dport, int vtag, byte[]... chunks) {
        byte[] body = concat(chunks);
        ByteBuffer b = ByteBuffer.allocate(12 + body.length);
        b.putShort((short) sport).putShort((short) dport).putInt(vtag).putInt(0).put(body);
        return b.array();
    }

    /** An SCTP packet, CRC32c right. */
    public static byte[] sctp(String src, int sport, String dst, int dport, int vtag, byte[]... chunks) {
        return ip(src, dst, IpProto.SCTP, sctp(sport, dport, vtag, chunks));
    }

    /** An SCTP chunk: type, flags, a length field of {@code length}, the body padded to 4 bytes. */
    public static byte[] sctpChunk(int type, int flags, byte[] body, int length) {
        ByteBuffer b = ByteBuffer.allocate((4 + body.length + 3) & ~3);
        b.put((byte) type).put((byte) flags).putShort((short) length).put(body);
        return b.array();
    }

    /** An SCTP chunk whose length field is 4 + the body's length. */
    public static byte[] sctpChunk(int type, int flags, byte[] body) {
        return sctpChunk(type, flags, body, 4 + body.length);
    }

    /**
     * A GRE header: version 0 (RFC 2784, {@code protocol} such as 0x0800) or version 1 (enhanced GRE of PPTP, RFC 2637:
     * key present, protocol 0x880b, payload length 0, {@code callId}); no payload.
     */
    public static byte[] gre(int version, int protocol, int callId) {
        ByteBuffer b = ByteBuffer.allocate(version == 1 ? 8 : 4);
        b.putShort((short) (version == 1 ? 0x2001 : 0)).putShort((short) protocol);
        if (version == 1) {
            b.putShort((short) 0).putShort((short) callId);
        }
        return b.array();
    }

    // ---- byte helpers --------------------------------------------------------------------------------------------

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** The packet as a {@link Packet} (14 bytes of headroom), after the IP layer's checks; IllegalArgumentException naming the fault. */
    public static Packet packet(byte[] ip) {
        // room to grow: helpers and NAT may lengthen the payload
        Packet p = new Packet(ip.length + 2048);
        p.load(ip, 0, ip.length, 14);
        String bad = IpHeaders.validate(p);
        if (bad != null) {
            throw new IllegalArgumentException("not a valid IP packet: " + bad);
        }
        return p;
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    public static boolean isV6(String addr) {
        return addr.indexOf(':') >= 0;
    }

    public static boolean isV6(byte[] ip) {
        return (ip[0] & 0xf0) == 0x60;
    }

    /** Where the transport header starts (the IPv4 header's length, or 40: no IPv6 extension headers). */
    public static int l4Offset(byte[] ip) {
        return isV6(ip) ? 40 : (ip[0] & 0x0f) * 4;
    }

    /** IPv4 protocol or IPv6 next header. */
    public static int proto(byte[] ip) {
        return isV6(ip) ? ip[6] & 0xff : ip[9] & 0xff;
    }

    /** The packet's own length (total length, or payload length + 40). */
    public static int ipLength(byte[] ip) {
        if (ip.length < 1) {
            return 0;
        }
        if ((ip[0] & 0xf0) == 0x40 && ip.length >= 4) {
            return u16(ip, 2);
        }
        return isV6(ip) && ip.length >= 6 ? 40 + u16(ip, 4) : ip.length;
    }

    public static String src(byte[] ip) {
        return isV6(ip) ? text6(ip, 8) : Addr.toText(Family.IPV4, 0, u32(ip, 12) & 0xffffffffL);
    }

    public static String dst(byte[] ip) {
        return isV6(ip) ? text6(ip, 24) : Addr.toText(Family.IPV4, 0, u32(ip, 16) & 0xffffffffL);
    }

    public static int sport(byte[] ip) {
        return u16(ip, l4Offset(ip));
    }

    public static int dport(byte[] ip) {
        return u16(ip, l4Offset(ip) + 2);
    }

    public static int seq(byte[] ip) {
        return u32(ip, l4Offset(ip) + 4);
    }

    public static int ack(byte[] ip) {
        return u32(ip, l4Offset(ip) + 8);
    }

    /** The TCP payload as ISO-8859-1 text. */
    public static String tcpPayload(byte[] ip) {
        int l4 = l4Offset(ip);
        int off = l4 + ((ip[l4 + 12] & 0xf0) >>> 2);
        return new String(ip, off, ip.length - off, StandardCharsets.ISO_8859_1);
    }

    /** The packet quoted by an ICMP or ICMPv6 error. */
    public static byte[] inner(byte[] ip) {
        return Arrays.copyOfRange(ip, l4Offset(ip) + 8, ip.length);
    }

    public static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    public static int u32(byte[] b, int off) {
        return u16(b, off) << 16 | u16(b, off + 2);
    }

    /** Does the IPv4 header checksum verify (always true for IPv6)? */
    public static boolean ipHeaderOk(byte[] ip) {
        if (isV6(ip)) {
            return true;
        }
        Packet p = wrap(ip);
        return Checksum.fold(Checksum.add(p, 0, l4Offset(ip), 0)) == 0xffff;
    }

    /** Does the transport checksum (TCP, UDP, ICMP, ICMPv6, SCTP's CRC32c) of the packet verify? */
    public static boolean l4ChecksumOk(byte[] ip) {
        Packet p = wrap(ip);
        int off = l4Offset(ip);
        int proto = proto(ip);
        if (proto == IpProto.SCTP) {
            return Checksum.sctpValid(p, off);
        }
        if (proto == IpProto.ICMP) {
            return Checksum.fold(Checksum.add(p, off, ip.length - off, 0)) == 0xffff;
        }
        return Checksum.l4Valid(p, off, proto);
    }

    /** Both {@link #ipHeaderOk} and {@link #l4ChecksumOk}, and the IP layer's length checks. */
    public static boolean checksumsOk(byte[] ip) {
        Packet p = new Packet(ip.length + 16);
        p.load(ip, 0, ip.length, 0);
        return IpHeaders.validate(p) == null && ipHeaderOk(ip) && l4ChecksumOk(ip);
    }

    private static Packet wrap(byte[] ip) {
        Packet p = new Packet(ip.length + 64);
        p.load(ip, 0, ip.length, 0);
        p.family = isV6(ip) ? Family.IPV6 : Family.IPV4;
        return p;
    }

    private static String text6(byte[] b, int off) {
        long hi = (u32(b, off) & 0xffffffffL) << 32 | (u32(b, off + 4) & 0xffffffffL);
        long lo = (u32(b, off + 8) & 0xffffffffL) << 32 | (u32(b, off + 12) & 0xffffffffL);
        return Addr.toText(Family.IPV6, hi, lo);
    }

    /** The address bytes of a literal (4 or 16). */
    public static byte[] addr(String literal) {
        if (isV6(literal)) {
            long[] a = Addr.parseV6(literal);
            return ByteBuffer.allocate(16).putLong(a[0]).putLong(a[1]).array();
        }
        return ByteBuffer.allocate(4).putInt(Addr.parseV4(literal)).array();
    }
}
