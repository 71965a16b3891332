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
 * The UDP-Lite tracker ({@code nf_conntrack_udplite_packet}): UDP's tuple and timeouts, but a mandatory
 * checksum with partial coverage, and ASSURED as soon as both directions were seen (no two-second rule).
 */
@Component
@TrackerService(l4proto = 136)
public final class UdpLiteTracker implements L4Tracker {
    @Override
    public String name() {
        return "udplite";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        return UdpTracker.ports(pkt, dataoff, t);
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
        return List.of(UdpTracker.TIMEOUT, UdpTracker.TIMEOUT_STREAM);
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        String bad = headerProblem(net, pkt, dataoff);
        if (bad != null) {
            net.packets().logInvalid(pkt, IpProto.UDPLITE, bad);
            return -Verdict.ACCEPT;
        }
        if (ct.hasStatus(Status.SEEN_REPLY)) {
            net.packets().refresh(ct, pkt, net.services().timeout(ct, UdpTracker.TIMEOUT_STREAM));
            if (ct.hasStatus(Status.NAT_CLASH)) {
                return Verdict.ACCEPT;
            }
            if (ct.setStatus(Status.ASSURED)) {
                net.packets().cacheEvent(ct, CtEvent.ASSURED);
            }
        } else {
            net.packets().refresh(ct, pkt, net.services().timeout(ct, UdpTracker.TIMEOUT));
        }
        return Verdict.ACCEPT;
    }

    /**
     * {@code udplite_error}. Linux verifies the covered part with a pseudo-header naming protocol 17
     * ({@code nf_checksum_partial} is passed {@code IPPROTO_UDP}); this does the same arithmetic.
     */
    private static String headerProblem(Conntrack net, Packet pkt, int dataoff) {
        int udplen = pkt.length() - dataoff;
        if (udplen < 8) {
            return "short packet";
        }
        int cscov = pkt.u16(dataoff + 4);
        if (cscov == 0) {
            cscov = udplen;
        } else if (cscov < 8 || cscov > udplen) {
            return "invalid checksum coverage";
        }
        if (pkt.u16(dataoff + 6) == 0) {
            return "checksum missing";
        }
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !Checksum.l4ValidPartial(pkt, dataoff, cscov, IpProto.UDP)) {
            return "bad checksum";
        }
        return null;
    }
}
