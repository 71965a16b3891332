package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.TimeoutPolicy;

/**
 * {@code ct timeout set "NAME"} ({@code nft_ct_timeout_obj_eval}): a new connection of the policy's protocol keeps the
 * policy for life, and its timeout becomes the policy's first state at once (tcp's syn_sent, udp's unreplied: the
 * kernel's {@code values[0]}), whatever state its tracker put it in.
 */
final class CtTimeoutSetExpr extends Expr {
    private final Conntrack net;
    private final TimeoutPolicy policy;
    private final long firstSeconds;

    CtTimeoutSetExpr(Conntrack net, TimeoutPolicy policy, long firstSeconds) {
        this.net = net;
        this.policy = policy;
        this.firstSeconds = firstSeconds;
    }

    @Override
    int eval(Packet p, long info) {
        // nft's transport protocol, not the connection's (0 when nft found none)
        int tprot = (info & PktInfo.L4PROTO) != 0 ? PktInfo.tprot(info) : 0;
        Connection ct = p.ct;
        if (tprot != policy.protocol() || ct == null || ct.isConfirmed()) {
            return CONTINUE;
        }
        if (net.services().setTimeoutPolicy(ct, policy)) {
            net.packets().refresh(ct, firstSeconds * net.clock().hz());
        }
        return CONTINUE;
    }
}
