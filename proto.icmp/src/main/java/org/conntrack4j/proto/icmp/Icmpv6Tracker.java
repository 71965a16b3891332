package org.conntrack4j.proto.icmp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.TrackerService;
import org.osgi.service.component.annotations.Component;

/**
 * The ICMPv6 tracker ({@code nf_conntrack_proto_icmpv6.c}). Echo and node information queries and their
 * replies are connections, as for ICMP ({@code nf_conntrack_icmpv6_timeout}, 30 s). Error messages (types
 * below 128) and redirects carrying the redirected header are RELATED to the connection they quote.
 * Neighbour discovery and multicast listener messages are left untracked: they are link-local plumbing
 * that must never be refused as INVALID.
 *
 * <p>Registered for both families, as Linux finds this tracker by protocol number alone: an IPv4 packet
 * carrying protocol 58 is parsed with it and then refused by {@link #packet}.
 *
 * <p>Stateless: per-connection state is the tuple; settings are read from the engine per packet.
 */
@Component
@TrackerService(l4proto = 58)
public final class Icmpv6Tracker implements L4Tracker {
    static final SettingKey TIMEOUT = SettingKey.seconds("nf_conntrack_icmpv6_timeout", 30,
        "timeout of ICMPv6 query/reply connections");

    static final int DEST_UNREACH = 1;
    static final int PKT_TOOBIG = 2;
    static final int TIME_EXCEED = 3;
    static final int PARAMPROB = 4;
    static final int ECHO_REQUEST = 128;
    static final int ECHO_REPLY = 129;
    static final int MGM_QUERY = 130;
    static final int MGM_REPORT = 131;
    static final int MGM_REDUCTION = 132;
    static final int ROUTER_SOLICITATION = 133;
    static final int ROUTER_ADVERTISEMENT = 134;
    static final int NEIGHBOUR_SOLICITATION = 135;
    static final int NEIGHBOUR_ADVERTISEMENT = 136;
    static final int REDIRECT = 137;
    static final int NI_QUERY = 139;
    static final int NI_REPLY = 140;
    static final int MLD2_REPORT = 143;
    static final int MRDISC_ADV = 151;
    static final int MRDISC_SOL = 152;
    /** Types below this one are errors ({@code ICMPV6_INFOMSG_MASK}). */
    static final int FIRST_INFO_TYPE = 128;
    /** {@code struct icmp6hdr}: type, code, checksum, four bytes of message body. */
    static final int HEADER = 8;
    /** A redirect's fixed part ({@code struct rd_msg}): header, target and destination addresses. */
    static final int REDIRECT_FIXED = HEADER + 16 + 16;
    /** The neighbour discovery option carrying the redirected packet ({@code ND_OPT_REDIRECT_HDR}). */
    static final int ND_OPT_REDIRECT_HDR = 4;
    /** That option's type, length and six reserved bytes precede the quoted packet. */
    static final int REDIRECT_HDR_OPT = 8;

    /** The query/reply pairs; every other informational type gets no connection. */
    private static final QueryTypes QUERIES = new QueryTypes()
        .pair(ECHO_REQUEST, ECHO_REPLY)        // ping6
        .pair(NI_QUERY, NI_REPLY);             // RFC 4620 node information

    /**
     * Types never tracked ({@code noct_valid_new}): multicast listener discovery (MLDv1 and v2), neighbour
     * and router discovery, multicast router discovery.
     */
    private static final boolean[] UNTRACKED = new boolean[256];

    static {
        for (int type : new int[] {MGM_QUERY, MGM_REPORT, MGM_REDUCTION, ROUTER_SOLICITATION, ROUTER_ADVERTISEMENT,
            NEIGHBOUR_SOLICITATION, NEIGHBOUR_ADVERTISEMENT, MLD2_REPORT, MRDISC_ADV, MRDISC_SOL}) {
            UNTRACKED[type] = true;
        }
    }

    @Override
    public String name() {
        return "icmpv6";
    }

    @Override
    public boolean hasErrorHandler() {
        return true;
    }

    /**
     * {@code nf_conntrack_icmpv6_error}: validation; discovery messages become untracked; errors and redirects
     * are resolved to the connection they quote; queries and replies go on to the lookup.
     */
    @Override
    public int error(Conntrack net, Packet pkt, int dataoff) {
        if (pkt.family != Family.IPV6) {
            // Linux runs this only for IPv6; protocol 58 in IPv4 goes straight to the lookup.
            return Verdict.ACCEPT;
        }
        if (pkt.length() - dataoff < HEADER) {
            net.packets().logInvalid(pkt, IpProto.ICMPV6, "short packet");
            return -Verdict.ACCEPT;
        }
        // Only incoming packets are verified; locally generated ones are trusted.
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !Checksum.l4Valid(pkt, dataoff, IpProto.ICMPV6)) {
            net.packets().logInvalid(pkt, IpProto.ICMPV6, "ICMPv6 checksum failed");
            return -Verdict.ACCEPT;
        }
        int type = pkt.u8(dataoff);
        if (UNTRACKED[type]) {
            pkt.ct = null;
            pkt.ctinfo = CtInfo.UNTRACKED;
            return Verdict.ACCEPT;
        }
        if (type == REDIRECT) {
            return redirect(net, pkt, dataoff);
        }
        if (type >= FIRST_INFO_TYPE) {
            return Verdict.ACCEPT;
        }
        return InetError.relate(net, pkt, dataoff + HEADER, IpProto.ICMPV6);
    }

    /**
     * {@code nf_conntrack_icmpv6_redirect}: a redirect (RFC 4861 8.1) from a link-local router with hop limit
     * 255 may carry the start of the packet that caused it; it is RELATED to that packet's connection. A
     * redirect with another code, or without that option first, goes on to the lookup (and gets no
     * connection).
     */
    private static int redirect(Conntrack net, Packet pkt, int dataoff) {
        if (pkt.length() - dataoff < REDIRECT_FIXED) {
            net.packets().logInvalid(pkt, IpProto.ICMPV6, "short redirect");
            return -Verdict.ACCEPT;
        }
        if (pkt.u8(dataoff + 1) != 0) {
            return Verdict.ACCEPT;
        }
        if (pkt.u8(7) != 255 || !linkLocal(pkt.u64(8))) {
            net.packets().logInvalid(pkt, IpProto.ICMPV6, "invalid saddr or hoplimit for redirect");
            return -Verdict.ACCEPT;
        }
        int opt = dataoff + REDIRECT_FIXED;
        if (pkt.length() - opt < 2 || pkt.u8(opt + 1) == 0) {
            net.packets().logInvalid(pkt, IpProto.ICMPV6, "redirect without options");
            return -Verdict.ACCEPT;
        }
        // Only the first option is looked at, as Linux does (it does not parse the whole list).
        if (pkt.u8(opt) != ND_OPT_REDIRECT_HDR) {
            return Verdict.ACCEPT;
        }
        return InetError.relate(net, pkt, opt + REDIRECT_HDR_OPT, IpProto.ICMPV6);
    }

    /**
     * Does {@code ipv6_addr_type} give this address (its upper half) link-local scope? Unicast fe80::/10, and
     * multicast with scope 2 (ff02::/16 and the like; Linux's IPv6 input drops multicast sources before
     * conntrack, so only the unicast case matters there).
     */
    static boolean linkLocal(long hi) {
        if ((hi >>> 54) == 0x3fa) {
            return true;
        }
        return (hi >>> 56) == 0xff && ((hi >>> 48) & 0x0f) == 2;
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        return QueryTypes.readTuple(pkt, dataoff, t);
    }

    @Override
    public boolean invertTuple(Tuple inverse, Tuple orig) {
        return QUERIES.invert(inverse, orig);
    }

    /**
     * {@code nf_conntrack_icmpv6_packet}: only a query may open a connection (a lone reply is refused without
     * a logged reason); every accepted packet refreshes it.
     */
    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        if (pkt.family != Family.IPV6) {
            return -Verdict.ACCEPT;
        }
        if (!ct.isConfirmed() && !QUERIES.opens(ct.dstPort(Direction.ORIGINAL) >>> 8)) {
            return -Verdict.ACCEPT;
        }
        net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT));
        return Verdict.ACCEPT;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        IcmpTracker.formatIcmp(sb, t);
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT);
    }
}
