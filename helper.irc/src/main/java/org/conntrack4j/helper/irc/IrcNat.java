package org.conntrack4j.helper.irc;

import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;

/**
 * The NAT half of the IRC helper ({@code nf_nat_irc.c}), used when the IRC connection is translated: the peer
 * will connect to the address the server sees the client at, so the offer is rewritten to name that address (as
 * an unsigned decimal number) with the offered port or a free one; the expected connection follows the master's
 * binding back to the client, and seems to come from the IRC server.
 */
final class IrcNat {
    static final String ALL_PORTS_IN_USE = IrcHelper.LOG_PREFIX + "all ports in use";
    static final String CANNOT_MANGLE = IrcHelper.LOG_PREFIX + "cannot mangle packet";

    private IrcNat() {
    }

    /**
     * Inserts {@code exp} with a free port and rewrites the offer's address and port in the segment; returns the
     * verdict. As in the kernel: no free port drops the segment; a failed rewrite removes the expectation again
     * and drops the segment.
     */
    static int rewrite(Nat nat, Conntrack net, Packet pkt, int protoff, int dataoff, Connection ct, int ctinfo,
        IrcDcc dcc, ExpectationRequest exp) {
        int r = Direction.REPLY;
        exp.saved(0, 0, dcc.port, r);
        exp.expectFn(nat::followMaster);
        int port = nat.expectWithFreePort(exp, dcc.port);
        if (port == 0) {
            pkt.reason = ALL_PORTS_IN_USE;
            return Verdict.DROP;
        }
        byte[] text = (ct.dstLo(r) + " " + port).getBytes(StandardCharsets.US_ASCII);
        if (!nat.mangleTcpPacket(pkt, ct, ctinfo, protoff, dcc.textStart - dataoff, dcc.textEnd - dcc.textStart,
            text, 0, text.length)) {
            pkt.reason = CANNOT_MANGLE;
            net.services().unexpectRelated(exp);
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }
}
