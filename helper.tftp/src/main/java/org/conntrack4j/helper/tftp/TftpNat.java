package org.conntrack4j.helper.tftp;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.nat.Nat;

/**
 * The NAT half of the TFTP helper ({@code nf_nat_tftp.c}), used when the request's connection is translated:
 * nothing in a TFTP packet names an address, so nothing is rewritten; the expected answer is told to follow the
 * master's binding back to the real client at the port it sent the request from. Its source is bound to where
 * the client sent the request, so that behind DNAT the server's answer seems to come from the published address.
 */
final class TftpNat {
    private TftpNat() {
    }

    /** Inserts {@code exp} so that its connection follows the master's binding; returns expectRelated's code. */
    static int expect(Nat nat, Conntrack net, Connection ct, ExpectationRequest exp) {
        // the expected answer is bound in the reply direction; only its port is saved (the address comes from
        // the master when it matches)
        exp.saved(0, 0, ct.srcPort(Direction.ORIGINAL), Direction.REPLY);
        exp.expectFn(nat::followMaster);
        return net.services().expectRelated(exp);
    }
}
