package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;

/**
 * {@code ct expectation set "NAME"} ({@code nft_ct_expect_obj_eval}): a new connection expects one of the object's
 * protocol from its peer (any source port) to its own address and the object's port, class 0, no helper. The rule
 * ends when the connection is confirmed already or has {@code size} expectations; the packet is dropped when the
 * expectation cannot be inserted. The lifetime is the object's timeout in milliseconds taken as seconds, as the
 * kernel takes it. Allocates a request per new connection (not on the established path).
 */
final class CtExpectationSetExpr extends Expr {
    private final Conntrack net;
    private final int family;
    private final int protocol;
    private final int dport;
    private final long seconds;
    private final int size;

    CtExpectationSetExpr(Conntrack net, int family, int protocol, int dport, long timeoutMillis, int size) {
        this.net = net;
        this.family = family;
        this.protocol = protocol;
        this.dport = dport;
        this.seconds = timeoutMillis;
        this.size = size;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        if (ct == null || ct.isConfirmed()) {
            return BREAK;
        }
        if (net.services().expecting(ct, 0) >= size) {
            return BREAK;
        }
        if (ct.family() != family) {
            // the kernel would mix the families; an object of the other family expects nothing here
            return CONTINUE;
        }
        int other = CtInfo.direction(p.ctinfo) ^ 1;
        ExpectationRequest req = new ExpectationRequest(ct).init(0, family,
            new long[] {ct.srcHi(other), ct.srcLo(other)}, new long[] {ct.dstHi(other), ct.dstLo(other)}, protocol, -1,
            dport).timeoutSeconds(seconds);
        return net.services().expectRelated(req) != 0 ? Verdict.DROP : CONTINUE;
    }
}
