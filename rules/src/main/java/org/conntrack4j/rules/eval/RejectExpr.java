package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.LocalOutput;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;

/**
 * {@code reject with tcp reset} ({@code nft_reject_inet_eval} with {@code nf_send_reset} / {@code nf_send_reset6}):
 * answers a TCP segment with a RST from its destination to its source, sent through the stack's own output
 * ({@link LocalOutput}, the router's) with the segment's connection attached the other way round
 * ({@code nf_ct_attach}), after the connection is marked as closing ({@code nf_ct_set_closing}: TCP's CLOSE), then
 * drops the segment. No RST for a RST, a fragment other than the first, a bad checksum
 * or a multicast or broadcast address; the segment is dropped all the same. A packet that is not TCP ends the rule
 * (nft's dependency). Allocates the RST (rejected packets only).
 */
final class RejectExpr extends Expr {
    /** {@code ip4_dst_hoplimit} / {@code ip6_dst_hoplimit} of a route without its own: the default TTL. */
    private static final int TTL = 64;

    private final Conntrack net;

    RejectExpr(Conntrack net) {
        this.net = net;
    }

    @Override
    int eval(Packet p, long info) {
        if ((info & PktInfo.L4PROTO) == 0 || PktInfo.tprot(info) != IpProto.TCP) {
            return BREAK;
        }
        Packet rst = reset(p, info);
        if (rst != null) {
            LocalOutput out = net.services().extension(LocalOutput.class);
            if (out != null) {
                net.services().setClosing(p.ct);
                out.send(rst);
            }
        }
        return Verdict.DROP;
    }

    /** The RST {@code nf_send_reset} builds, or null when it sends none. */
    private static Packet reset(Packet p, long info) {
        int thoff = PktInfo.thoff(info);
        if ((info & PktInfo.FRAGMENT) != 0 || thoff + 20 > p.length()) {
            return null;
        }
        int flags = p.u8(thoff + 13);
        if ((flags & 0x04) != 0 || !Checksum.l4Valid(p, thoff, IpProto.TCP)) {
            return null;
        }
        boolean v6 = p.family == Family.IPV6;
        boolean multicast = v6 ? p.u8(8) == 0xff || p.u8(24) == 0xff
            : multicastOrBroadcast(p.u32(12)) || multicastOrBroadcast(p.u32(16));
        if (multicast) {
            return null;
        }
        int ipLen = v6 ? 40 : 20;
        Packet rst = new Packet(128);
        rst.load(new byte[ipLen + 20], 0, ipLen + 20, 64);
        rst.family = p.family;
        if (v6) {
            // nf_reject_ip6hdr_put: traffic class and flow label 0
            rst.put32(0, 6 << 28);
            rst.put16(4, 20);
            rst.put8(6, IpProto.TCP);
            rst.put8(7, TTL);
            rst.copyIn(8, p.array(), p.head() + 24, 16);
            rst.copyIn(24, p.array(), p.head() + 8, 16);
        } else {
            // nf_reject_iphdr_put: tos 0, id 0, DF
            rst.put8(0, 0x45);
            rst.put16(2, 40);
            rst.put16(6, 0x4000);
            rst.put8(8, TTL);
            rst.put8(9, IpProto.TCP);
            rst.put32(12, p.u32(16));
            rst.put32(16, p.u32(12));
            rst.put16(10, Checksum.ipv4Header(rst));
        }
        // nf_reject_ip_tcphdr_put: an ACK is answered from its acknowledgement number, anything else is acknowledged
        rst.put16(ipLen, p.u16(thoff + 2));
        rst.put16(ipLen + 2, p.u16(thoff));
        if ((flags & 0x10) != 0) {
            rst.put32(ipLen + 4, p.u32(thoff + 8));
            rst.put8(ipLen + 13, 0x04);
        } else {
            int doff = (p.u8(thoff + 12) >>> 4) << 2;
            int payload = p.length() - thoff - doff;
            rst.put32(ipLen + 8, p.u32(thoff + 4) + ((flags & 0x02) != 0 ? 1 : 0) + (flags & 0x01) + payload);
            rst.put8(ipLen + 13, 0x14);
        }
        rst.put8(ipLen + 12, 5 << 4);
        rst.put16(ipLen + 16, Checksum.computeL4(rst, ipLen, IpProto.TCP, ipLen + 16));
        if (p.ct != null) {
            rst.ct = p.ct;
            rst.ctinfo = CtInfo.direction(p.ctinfo) == 0 ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
        }
        // the mark stays 0 (IP4_REPLY_MARK without fwmark_reflect)
        rst.tstamp = p.tstamp;
        return rst;
    }

    private static boolean multicastOrBroadcast(int addr) {
        return addr == -1 || (addr >>> 28) == 0xe;
    }
}
