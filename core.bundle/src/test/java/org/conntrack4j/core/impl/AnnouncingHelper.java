package org.conntrack4j.core.impl;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;

/**
 * A test helper for {@link PortTracker} connections: the two bytes after the port header (payload offset 8 from the
 * L4 header) announce a port, 0 for none; a connection from the announcement's sender to its peer at that port
 * is then expected.
 */
class AnnouncingHelper implements Helper {
    private final String name;
    private final int proto;
    private final ExpectPolicy policy;

    AnnouncingHelper(String name, int proto, int maxExpected, int timeoutSeconds) {
        this.name = name;
        this.proto = proto;
        this.policy = new ExpectPolicy(name, maxExpected, timeoutSeconds);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int protocol() {
        return proto;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return List.of(policy);
    }

    /** The announced port, or 0. */
    static int announced(Packet pkt, int protoff) {
        return pkt.length() - protoff < 10 ? 0 : pkt.u16(protoff + 8);
    }

    /** The expectation of a connection from the announcement's sender to its peer at {@code port}, any source port. */
    ExpectationRequest request(Connection ct, int ctinfo, int port) {
        int dir = CtInfo.direction(ctinfo);
        return new ExpectationRequest(ct).init(0, Family.IPV4, new long[] {0, ct.srcLo(dir)},
            new long[] {0, ct.dstLo(dir)}, proto, -1, port);
    }

    @Override
    public int help(Conntrack n, Packet pkt, int protoff, Connection ct, int ctinfo) {
        int port = announced(pkt, protoff);
        if (port != 0) {
            n.services().expectRelated(request(ct, ctinfo, port));
        }
        return Verdict.ACCEPT;
    }
}
