package org.conntrack4j.helper.amanda;

import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;

/**
 * The NAT half of the Amanda helper ({@code nf_nat_amanda.c}), used when the control connection is translated:
 * the announced connection is translated as the control connection is (same addresses, though TCP), with the
 * announced port or, if another expectation holds it, a free one, which is then written into the datagram in
 * place of the announced digits.
 */
final class AmandaNat {
    static final String ALL_PORTS_IN_USE = AmandaHelper.LOG_PREFIX + "all ports in use";
    static final String CANNOT_MANGLE = AmandaHelper.LOG_PREFIX + "cannot mangle packet";

    private AmandaNat() {
    }

    /**
     * Inserts {@code exp} and writes its port over the {@code matchLen} digits at {@code matchOff} of the UDP
     * payload; returns the verdict. As in the kernel the digits are always rewritten (leading zeros go), no free
     * port drops the datagram, and a failed rewrite removes the expectation again and drops it.
     */
    static int rewrite(Nat nat, Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo, int matchOff,
        int matchLen, ExpectationRequest exp) {
        int announced = exp.dstPort();
        exp.saved(0, 0, announced, Direction.ORIGINAL);
        exp.expectFn(nat::followMaster);
        int port = nat.expectWithFreePort(exp, announced);
        if (port == 0) {
            pkt.reason = ALL_PORTS_IN_USE;
            return Verdict.DROP;
        }
        byte[] text = Integer.toString(port).getBytes(StandardCharsets.US_ASCII);
        if (!nat.mangleUdpPacket(pkt, ct, ctinfo, protoff, matchOff, matchLen, text, 0, text.length)) {
            pkt.reason = CANNOT_MANGLE;
            net.services().unexpectRelated(exp);
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }
}
