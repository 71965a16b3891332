package org.conntrack4j.proto.udp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.TrackerService;
import org.conntrack4j.core.text.CtFormat;
import org.osgi.service.component.annotations.Component;

/**
 * The UDP tracker. A flow is NEW until a reply is seen; it then lives {@code nf_conntrack_udp_timeout}
 * (30 s) after each packet, and becomes a "stream" (ASSURED, {@code nf_conntrack_udp_timeout_stream},
 * 120 s) with the first packet more than two seconds after the connection was created, as Linux 6.x does.
 *
 * <p>The stream deadline (creation + 2 s, in jiffies) is kept in the connection's proto word; it is written
 * once, before the connection is confirmed.
 */
@Component
@TrackerService(l4proto = 17)
public final class UdpTracker implements L4Tracker {
    static final SettingKey TIMEOUT = SettingKey.seconds("nf_conntrack_udp_timeout", 30,
        "UDP timeout until a stream is established");
    static final SettingKey TIMEOUT_STREAM = SettingKey.seconds("nf_conntrack_udp_timeout_stream", 120,
        "UDP timeout of a stream (replied and active after two seconds)");

    @Override
    public String name() {
        return "udp";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        return ports(pkt, dataoff, t);
    }

    /** Reads source and destination port (the first four bytes), as {@code nf_ct_get_tuple_ports}. */
    static boolean ports(Packet pkt, int dataoff, Tuple t) {
        if (pkt.length() - dataoff < 4) {
            return false;
        }
        int ports = pkt.u32(dataoff);
        t.srcPort = ports >>> 16;
        t.dstPort = ports & 0xffff;
        return true;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append(CtFormat.ports(t));
    }

    @Override
    public boolean allowClash() {
        return true;
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT, TIMEOUT_STREAM);
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        String bad = headerProblem(net, pkt, dataoff);
        if (bad != null) {
            net.packets().logInvalid(pkt, IpProto.UDP, bad);
            return -Verdict.ACCEPT;
        }
        int status = ct.status();
        if ((status & (Status.SEEN_REPLY | Status.CONFIRMED)) == Status.CONFIRMED) {
            // the common case, a confirmed flow with no reply yet: neither the clock nor the stream deadline matters
            net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT));
            return Verdict.ACCEPT;
        }
        int hz = net.clock().hz();
        long now = net.now();
        long unreplied = net.services().timeout(ct, TIMEOUT);
        if ((status & Status.CONFIRMED) == 0) {
            ct.setProtoWord(now + 2L * hz);
        }
        if ((status & Status.SEEN_REPLY) != 0) {
            long extra = unreplied;
            boolean stream = false;
            // Still active after two seconds: a stream, worth keeping longer.
            if (now - ct.protoWord() > 0) {
                extra = net.services().timeout(ct, TIMEOUT_STREAM);
                stream = (status & Status.ASSURED) == 0;
            }
            net.packets().refresh(ct, pkt, extra);
            // Connections that clashed under NAT time out soon; they never become ASSURED.
            if ((status & Status.NAT_CLASH) != 0) {
                return Verdict.ACCEPT;
            }
            if (stream && ct.setStatus(Status.ASSURED)) {
                net.packets().cacheEvent(ct, CtEvent.ASSURED);
            }
        } else {
            net.packets().refresh(ct, pkt, unreplied);
        }
        return Verdict.ACCEPT;
    }

    /** {@code udp_error}: the kernel's reason for an unusable header, or null. */
    private static String headerProblem(Conntrack net, Packet pkt, int dataoff) {
        int udplen = pkt.length() - dataoff;
        if (udplen < 8) {
            return "short packet";
        }
        // length and checksum in one read
        int w = pkt.u32(dataoff + 4);
        int len = w >>> 16;
        if (len > udplen || len < 8) {
            return "truncated/malformed packet";
        }
        if ((w & 0xffff) == 0) {
            return null;
        }
        // Only incoming packets are checked: locally generated ones are assumed correct.
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !Checksum.l4Valid(pkt, dataoff, IpProto.UDP)) {
            return "bad checksum";
        }
        return null;
    }
}
