package org.conntrack4j.replay.soak;

/**
 * Writes the soak's IPv4 frames (Ethernet, IPv4 without options, TCP / UDP / ICMP echo) into one reused buffer, with
 * valid IP and L4 checksums: conntrack verifies them in prerouting ({@code nf_conntrack_checksum}).
 */
final class SoakFrames {
    static final int ETH = 14;
    static final int IP = 20;
    static final int TCP = 20;
    static final int UDP = 8;
    static final int ICMP = 8;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private static final int WINDOW = 64240;

    final byte[] buf = new byte[ETH + IP + TCP + 1500];
    int length;
    private int ipId;

    /** A TCP segment; {@code data} may be null. */
    void tcp(byte[] dstMac, byte[] srcMac, int src, int dst, int sport, int dport, long seq, long ack, int flags,
        byte[] data) {
        int n = data == null ? 0 : data.length;
        int l4 = ETH + IP;
        ip(dstMac, srcMac, src, dst, 6, TCP + n);
        put16(l4, sport);
        put16(l4 + 2, dport);
        put32(l4 + 4, (int) seq);
        put32(l4 + 8, (flags & ACK) != 0 ? (int) ack : 0);
        buf[l4 + 12] = (byte) (5 << 4);
        buf[l4 + 13] = (byte) flags;
        put16(l4 + 14, WINDOW);
        put16(l4 + 16, 0);
        put16(l4 + 18, 0);
        if (n > 0) {
            System.arraycopy(data, 0, buf, l4 + TCP, n);
        }
        put16(l4 + 16, l4Checksum(6, TCP + n));
    }

    void udp(byte[] dstMac, byte[] srcMac, int src, int dst, int sport, int dport, int payload) {
        int l4 = ETH + IP;
        ip(dstMac, srcMac, src, dst, 17, UDP + payload);
        put16(l4, sport);
        put16(l4 + 2, dport);
        put16(l4 + 4, UDP + payload);
        put16(l4 + 6, 0);
        for (int i = 0; i < payload; i++) {
            buf[l4 + UDP + i] = (byte) ('a' + i % 26);
        }
        int c = l4Checksum(17, UDP + payload);
        put16(l4 + 6, c == 0 ? 0xffff : c);
    }

    /** An ICMP echo request (type 8) or reply (type 0) with 32 bytes of data. */
    void echo(byte[] dstMac, byte[] srcMac, int src, int dst, int type, int id, int seq) {
        int l4 = ETH + IP;
        int payload = 32;
        ip(dstMac, srcMac, src, dst, 1, ICMP + payload);
        buf[l4] = (byte) type;
        buf[l4 + 1] = 0;
        put16(l4 + 2, 0);
        put16(l4 + 4, id);
        put16(l4 + 6, seq);
        for (int i = 0; i < payload; i++) {
            buf[l4 + ICMP + i] = (byte) i;
        }
        put16(l4 + 2, ~fold(sum(l4, ICMP + payload, 0)) & 0xffff);
    }

    private void ip(byte[] dstMac, byte[] srcMac, int src, int dst, int proto, int l4len) {
        System.arraycopy(dstMac, 0, buf, 0, 6);
        System.arraycopy(srcMac, 0, buf, 6, 6);
        put16(12, 0x0800);
        int o = ETH;
        buf[o] = 0x45;
        buf[o + 1] = 0;
        put16(o + 2, IP + l4len);
        put16(o + 4, ipId++ & 0xffff);
        put16(o + 6, 0x4000); // DF
        buf[o + 8] = 64;
        buf[o + 9] = (byte) proto;
        put16(o + 10, 0);
        put32(o + 12, src);
        put32(o + 16, dst);
        put16(o + 10, ~fold(sum(o, IP, 0)) & 0xffff);
        length = ETH + IP + l4len;
    }

    private int l4Checksum(int proto, int l4len) {
        long s = sum(ETH + 12, 8, 0) + proto + l4len;
        return ~fold(sum(ETH + IP, l4len, s)) & 0xffff;
    }

    private long sum(int off, int n, long s) {
        int i = off;
        for (; i + 1 < off + n; i += 2) {
            s += (buf[i] & 0xff) << 8 | (buf[i + 1] & 0xff);
        }
        if (i < off + n) {
            s += (buf[i] & 0xff) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    private void put16(int i, int v) {
        buf[i] = (byte) (v >>> 8);
        buf[i + 1] = (byte) v;
    }

    private void put32(int i, int v) {
        buf[i] = (byte) (v >>> 24);
        buf[i + 1] = (byte) (v >>> 16);
        buf[i + 2] = (byte) (v >>> 8);
        buf[i + 3] = (byte) v;
    }

    static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }
}
