package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;

/** Builds IPv4/IPv6 test packets with valid headers. */
final class TestPackets {
    private TestPackets() {
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8
            | Integer.parseInt(p[3]);
    }

    /** An IPv4 packet with a 4-byte "port" L4 header (source, destination) plus payload, valid checksum. */
    static Packet v4(Packet p, int proto, String src, int sport, String dst, int dport, int payload) {
        int total = 20 + 8 + payload;
        byte[] b = new byte[total];
        p.reset().load(b, 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, ip(src));
        p.put32(16, ip(dst));
        p.put16(20, sport);
        p.put16(22, dport);
        p.put16(24, 8 + payload);
        p.put16(10, Checksum.ipv4Header(p));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }

    /** An IPv6 packet with a port header. */
    static Packet v6(Packet p, int proto, long srcLo, int sport, long dstLo, int dport) {
        int total = 40 + 8;
        byte[] b = new byte[total];
        p.reset().load(b, 0, total, 14);
        p.put32(0, 6 << 28);
        p.put16(4, 8);
        p.put8(6, proto);
        p.put8(7, 64);
        p.put32(8, 0x20010db8);
        p.put32(20, (int) srcLo);
        p.put32(24, 0x20010db8);
        p.put32(36, (int) dstLo);
        p.put16(40, sport);
        p.put16(42, dport);
        IpHeaders.validate(p);
        return p;
    }
}
