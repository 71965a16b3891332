package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * {@code flow add @NAME} ({@code nft_flow_offload_eval}): the packet's connection joins the flowtable when it
 * qualifies, else the rule ends here ({@code NFT_BREAK}), as it does when it is in a flowtable already. Qualifies: a
 * packet without IPv4 options, of a confirmed connection without a helper, sequence adjustment or NAT clash; TCP
 * only established and assured, and not with a FIN or RST in this segment; UDP always; nothing else (the kernel's
 * GRE version 0 case is not done here). The flowtable itself ({@code FlowOffload.Flowtable}, the router's) works
 * out the routes and sets {@code OFFLOAD}; without a router there is none and the rule never goes on
 * ({@link FlowtableRef}).
 */
final class FlowAddExpr extends Expr {
    private static final int TCP_FIN = 0x01;
    private static final int TCP_RST = 0x04;
    private static final int TCP_HEADER = 20;

    private final Conntrack net;
    private final FlowtableRef flowtable;

    FlowAddExpr(Conntrack net, FlowtableRef flowtable) {
        this.net = net;
        this.flowtable = flowtable;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        if (ct == null || p.family == Family.IPV4 && (p.u8(0) & 0x0f) != 5) {
            return BREAK;
        }
        int proto = ct.protocol();
        if (proto == IpProto.TCP) {
            int thoff = PktInfo.thoff(info);
            if (PktInfo.tprot(info) != IpProto.TCP || p.length() < thoff + TCP_HEADER
                || (p.u8(thoff + 13) & (TCP_FIN | TCP_RST)) != 0 || !tcpEstablished(ct)) {
                return BREAK;
            }
        } else if (proto != IpProto.UDP) {
            return BREAK;
        }
        if (ct.helper() != null || ct.hasStatus(Status.SEQ_ADJUST | Status.NAT_CLASH) || !ct.isConfirmed()) {
            return BREAK;
        }
        return flowtable.add(p) ? CONTINUE : BREAK;
    }

    /** {@code nf_conntrack_tcp_established}: state ESTABLISHED and ASSURED. */
    private boolean tcpEstablished(Connection ct) {
        if (!ct.hasStatus(Status.ASSURED)) {
            return false;
        }
        L4Tracker t = net.services().tracker(ct.family(), IpProto.TCP);
        return t != null && "ESTABLISHED".equals(t.stateName(ct));
    }
}
