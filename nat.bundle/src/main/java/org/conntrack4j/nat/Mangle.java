package org.conntrack4j.nat;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;

/**
 * Payload rewriting for NAT helpers ({@code nf_nat_helper.c}): a helper replaces the text of an address in a
 * payload (FTP's PORT command); the packet grows or shrinks, the IP length and the L4 checksum follow, and for
 * TCP the length difference is recorded for sequence adjustment.
 *
 * <p>The L4 checksum is computed afresh, as the kernel ends up doing (it switches the packet to checksum
 * offload, completed in software on the way out); a result of zero is sent as all ones, as
 * {@code skb_checksum_help} does.
 */
final class Mangle {
    private Mangle() {
    }

    /** {@code __nf_nat_mangle_tcp_packet}: see {@code Nat.mangleTcpPacket}. */
    static boolean tcp(Conntrack net, Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen, boolean adjust) {
        if (pkt.length() < protoff + 20) {
            return false;
        }
        int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        if (!replace(pkt, ct.family(), dataoff, matchOff, matchLen, rep, repOff, repLen)) {
            return false;
        }
        int check = Checksum.computeL4(pkt, protoff, IpProto.TCP, protoff + 16);
        pkt.put16(protoff + 16, check == 0 ? 0xffff : check);
        if (adjust) {
            seqAdjust(net, pkt, ct, ctinfo, protoff, repLen - matchLen);
        }
        return true;
    }

    /** {@code nf_ct_seqadj_set} for the segment's own sequence number: see {@code Nat.seqAdjust}. */
    static void seqAdjust(Conntrack net, Packet pkt, Connection ct, int ctinfo, int protoff, int off) {
        if (off != 0 && pkt.length() >= protoff + 20) {
            net.services().seqAdjSet(ct, ctinfo, pkt.u32(protoff + 4), off);
        }
    }

    /** {@code nf_nat_mangle_udp_packet}: also the UDP length; a zero checksum (none) stays zero. */
    static boolean udp(Packet pkt, Connection ct, int protoff, int matchOff, int matchLen, byte[] rep, int repOff,
        int repLen) {
        if (pkt.length() < protoff + 8) {
            return false;
        }
        if (!replace(pkt, ct.family(), protoff + 8, matchOff, matchLen, rep, repOff, repLen)) {
            return false;
        }
        pkt.put16(protoff + 4, pkt.length() - protoff);
        if (pkt.u16(protoff + 6) == 0) {
            return true;
        }
        int check = Checksum.computeL4(pkt, protoff, IpProto.UDP, protoff + 6);
        pkt.put16(protoff + 6, check == 0 ? 0xffff : check);
        return true;
    }

    /**
     * {@code mangle_contents}: replaces {@code matchLen} bytes at {@code dataoff + matchOff} with the replacement,
     * then fixes the IP length (and the IPv4 header checksum). False if the match lies outside the packet or
     * the packet would exceed 65535 bytes.
     */
    private static boolean replace(Packet pkt, int family, int dataoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen) {
        int pos = dataoff + matchOff;
        if (matchOff < 0 || matchLen < 0 || repLen < 0 || pos + matchLen > pkt.length() || repOff < 0
            || repOff + repLen > rep.length) {
            return false;
        }
        if (!pkt.resize(pos, matchLen, repLen)) {
            return false;
        }
        pkt.copyIn(pos, rep, repOff, repLen);
        if (family == Family.IPV4) {
            pkt.put16(2, pkt.length());
            pkt.put16(10, Checksum.ipv4Header(pkt));
        } else {
            pkt.put16(4, pkt.length() - 40);
        }
        return true;
    }
}
