package org.conntrack4j.proto.icmp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
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
 * The ICMP tracker ({@code nf_conntrack_proto_icmp.c}). Queries and their replies (echo, timestamp,
 * information, address mask) are connections keyed by identifier, type and code, living
 * {@code nf_conntrack_icmp_timeout} (30 s) after each packet; a reply without its query is invalid. Errors
 * (destination unreachable, source quench, redirect, time exceeded, parameter problem) belong to the
 * connection of the packet they quote and are RELATED to it ({@link InetError}).
 *
 * <p>Registered for both families, as Linux finds this tracker by protocol number alone: an IPv6 packet
 * carrying protocol 1 is parsed with it and then refused by {@link #packet}, not tracked generically.
 *
 * <p>Stateless: per-connection state is the tuple; settings are read from the engine per packet.
 */
@Component
@TrackerService(l4proto = 1)
public final class IcmpTracker implements L4Tracker {
    static final SettingKey TIMEOUT = SettingKey.seconds("nf_conntrack_icmp_timeout", 30,
        "timeout of ICMP query/reply connections");

    static final int ECHOREPLY = 0;
    static final int DEST_UNREACH = 3;
    static final int SOURCE_QUENCH = 4;
    static final int REDIRECT = 5;
    static final int ECHO = 8;
    static final int TIME_EXCEEDED = 11;
    static final int PARAMETERPROB = 12;
    static final int TIMESTAMP = 13;
    static final int TIMESTAMPREPLY = 14;
    static final int INFO_REQUEST = 15;
    static final int INFO_REPLY = 16;
    static final int ADDRESS = 17;
    static final int ADDRESSREPLY = 18;
    /** The highest type the kernel knows ({@code NR_ICMP_TYPES}); higher ones are invalid. */
    static final int MAX_TYPE = 18;
    /** Type, code, checksum and four bytes of "rest of header" ({@code struct icmphdr}). */
    static final int HEADER = 8;

    /**
     * The query/reply pairs. Every other type below {@link #MAX_TYPE} is either an error (handled before the
     * lookup) or a message with no reply (router advertisement, solicitation...), which gets no connection.
     */
    private static final QueryTypes QUERIES = new QueryTypes()
        .pair(ECHO, ECHOREPLY)                 // ping
        .pair(TIMESTAMP, TIMESTAMPREPLY)       // RFC 792
        .pair(INFO_REQUEST, INFO_REPLY)        // RFC 792, obsolete
        .pair(ADDRESS, ADDRESSREPLY);          // RFC 950 address mask

    @Override
    public String name() {
        return "icmp";
    }

    @Override
    public boolean hasErrorHandler() {
        return true;
    }

    /** {@code nf_conntrack_icmpv4_error}: validation, then errors are resolved to the connection they quote. */
    @Override
    public int error(Conntrack net, Packet pkt, int dataoff) {
        if (pkt.family != Family.IPV4) {
            // Linux runs this only for IPv4; protocol 1 in IPv6 goes straight to the lookup.
            return Verdict.ACCEPT;
        }
        if (pkt.length() - dataoff < HEADER) {
            net.packets().logInvalid(pkt, IpProto.ICMP, "short packet");
            return -Verdict.ACCEPT;
        }
        // Only incoming packets are verified; locally generated ones are trusted.
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !checksumValid(pkt, dataoff)) {
            net.packets().logInvalid(pkt, IpProto.ICMP, "bad hw icmp checksum");
            return -Verdict.ACCEPT;
        }
        int type = pkt.u8(dataoff);
        if (type > MAX_TYPE) {
            // RFC 1122 3.2.2: unknown types are to be discarded.
            net.packets().logInvalid(pkt, IpProto.ICMP, "invalid icmp type");
            return -Verdict.ACCEPT;
        }
        if (!isError(type)) {
            return Verdict.ACCEPT;
        }
        return InetError.relate(net, pkt, dataoff + HEADER, IpProto.ICMP);
    }

    /** The ICMP checksum covers the message only, no pseudo-header (RFC 792). */
    private static boolean checksumValid(Packet pkt, int dataoff) {
        return Checksum.fold(Checksum.add(pkt, dataoff, pkt.length() - dataoff, 0)) == 0xffff;
    }

    /** {@code icmp_is_err}: the types that quote an offending packet. */
    static boolean isError(int type) {
        switch (type) {
            case DEST_UNREACH:
            case SOURCE_QUENCH:
            case REDIRECT:
            case TIME_EXCEEDED:
            case PARAMETERPROB:
                return true;
            default:
                return false;
        }
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
     * {@code nf_conntrack_icmp_packet}: a connection must have been opened by a query (a lone reply is
     * refused, without a logged reason, as Linux only debug-prints it); every accepted packet refreshes it.
     * The reply's event (UPDATE, the REPLY bit) is the engine's.
     */
    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        if (pkt.family != Family.IPV4) {
            return -Verdict.ACCEPT;
        }
        if (!QUERIES.opens(ct.dstPort(Direction.ORIGINAL) >>> 8)) {
            return -Verdict.ACCEPT;
        }
        net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT));
        return Verdict.ACCEPT;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        formatIcmp(sb, t);
    }

    /** libnetfilter_conntrack's ICMP and ICMPv6 text: {@code type=8 code=0 id=32294}. */
    static void formatIcmp(StringBuilder sb, Tuple t) {
        sb.append("type=").append(t.icmpType()).append(" code=").append(t.icmpCode()).append(" id=")
            .append(t.icmpId());
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT);
    }
}
