package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.spi.Helper;

/**
 * {@code ct helper set "NAME"} ({@code nft_ct_helper_obj_eval}): attaches the helper of the table's ct helper
 * object to a connection that is not confirmed yet and has the object's protocol and a family it serves. The
 * helper is looked up per connection (helpers come and go); none registered: nothing happens. Sets the HELPER
 * status bit as the kernel does, so the first assignment stays.
 */
final class CtHelperSetExpr extends Expr {
    private final Conntrack net;
    private final String type;
    private final int protocol;
    private final boolean v4;
    private final boolean v6;

    CtHelperSetExpr(Conntrack net, String type, int protocol, boolean v4, boolean v6) {
        this.net = net;
        this.type = type;
        this.protocol = protocol;
        this.v4 = v4;
        this.v6 = v6;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        if (ct == null || ct.isConfirmed() || ct.protocol() != protocol || ct.hasStatus(Status.HELPER)) {
            return CONTINUE;
        }
        int family = ct.family();
        if (family == Family.IPV4 ? !v4 : !v6) {
            return CONTINUE;
        }
        Helper h = net.services().helper(type, family, protocol);
        if (h != null) {
            net.services().assignHelper(ct, h);
        }
        return CONTINUE;
    }
}
