package org.conntrack4j.rules.eval;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;

/** A helper that only counts the packets it is given. */
final class StubHelper implements Helper {
    private final String name;
    private final int protocol;
    private final boolean v6;
    int packets;

    StubHelper(String name, int protocol, boolean v6) {
        this.name = name;
        this.protocol = protocol;
        this.v6 = v6;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    @Override
    public boolean supports(int family) {
        return family == Family.IPV4 || v6 && family == Family.IPV6;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return List.of(new ExpectPolicy(name, 1, 300));
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        packets++;
        return Verdict.ACCEPT;
    }
}
