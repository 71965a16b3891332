package org.conntrack4j.sync.api;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A tuple as conntrackd carries it: both addresses of one family, the L4 protocol number and Linux's two
 * 16-bit protocol fields: the ports (TCP, UDP, UDP-Lite, SCTP, DCCP), the GRE keys, or for ICMP and
 * ICMPv6 the id ({@code srcPort}) and {@code type << 8 | code} ({@code dstPort}); 0 for other protocols.
 * For an expectation's mask the addresses are masks and the ports are port masks.
 *
 * @param src source address (IPv4 or IPv6)
 * @param dst destination address, same family as {@code src}
 * @param protonum L4 protocol number (0..255)
 * @param srcPort source port (0..65535), 0 where the protocol has none
 * @param dstPort destination port (0..65535), 0 where the protocol has none
 */
public record SyncTuple(InetAddress src, InetAddress dst, int protonum, int srcPort, int dstPort) {

    /** Linux's address family numbers, as conntrack prints them (ipv4 2, ipv6 10). */
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public SyncTuple {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        if ((src instanceof Inet4Address) != (dst instanceof Inet4Address)) {
            throw new IllegalArgumentException("src and dst of different families: " + src + " " + dst);
        }
        if (protonum < 0 || protonum > 255) {
            throw new IllegalArgumentException("protocol number out of range: " + protonum);
        }
        if (srcPort < 0 || srcPort > 0xffff || dstPort < 0 || dstPort > 0xffff) {
            throw new IllegalArgumentException("port out of range: " + srcPort + " " + dstPort);
        }
    }

    /** @return {@link #AF_INET} or {@link #AF_INET6} */
    public int family() {
        return src instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /** @return whether this is an IPv6 tuple */
    public boolean isIpv6() {
        return src instanceof Inet6Address;
    }

    /** @return the ICMP type of an ICMP tuple */
    public int icmpType() {
        return dstPort >> 8;
    }

    /** @return the ICMP code of an ICMP tuple */
    public int icmpCode() {
        return dstPort & 0xff;
    }

    /** @return an ICMP or ICMPv6 tuple */
    public static SyncTuple icmp(InetAddress src, InetAddress dst, int protonum, int type, int code, int id) {
        return new SyncTuple(src, dst, protonum, id, type << 8 | code);
    }

    /** @return whether the protocol is ICMP or ICMPv6 */
    public boolean isIcmp() {
        return protonum == 1 || protonum == 58;
    }

    /** @return the tuple with source and destination (addresses and ports) swapped */
    public SyncTuple inverted() {
        return new SyncTuple(dst, src, protonum, dstPort, srcPort);
    }
}
