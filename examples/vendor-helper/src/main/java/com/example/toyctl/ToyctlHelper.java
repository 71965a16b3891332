package com.example.toyctl;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * A helper for a toy control protocol over UDP, to show what a vendor's helper needs. A client tells the server
 * on the control connection where to send data with a datagram {@code PORT n\n} (n a decimal port, 1..65535);
 * the helper makes the engine expect a UDP connection from the server, from any port, to the client's port n,
 * which is then RELATED to the control connection. Anything else on the control connection passes unread. It is
 * assigned by a rule ({@code udp dport 7777 ct helper set "toyctl"}), as Linux's helpers are. No NAT part: behind
 * NAT the port in the payload is not rewritten (as SANE's helper in Linux).
 *
 * <p>Called on packet threads, many at once: no state of its own but two counters, and nothing allocated for a
 * datagram that is not a PORT command.
 */
@Component(service = Helper.class)
@HelperService(name = ToyctlHelper.NAME)
public final class ToyctlHelper implements Helper {
    static final String NAME = "toyctl";
    /** Up to four data connections expected per control connection, each for a minute. */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy(NAME, 4, 60));
    private static final byte[] PORT = {'P', 'O', 'R', 'T', ' '};
    private static final int UDP_HEADER = 8;

    private final LongAdder expected = new LongAdder();
    private final LongAdder refused = new LongAdder();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int protocol() {
        return IpProto.UDP;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return POLICIES;
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        if (CtInfo.direction(ctinfo) != Direction.ORIGINAL) {
            return Verdict.ACCEPT; // only the client says PORT
        }
        int port = port(pkt, protoff + UDP_HEADER, pkt.length());
        if (port <= 0) {
            return Verdict.ACCEPT;
        }
        // from the server (any port) to the client's port, as the server sees both (the reply tuple)
        int r = Direction.REPLY;
        ExpectationRequest exp = new ExpectationRequest(ct).init(0, ct.family(),
            new long[] {ct.srcHi(r), ct.srcLo(r)}, new long[] {ct.dstHi(r), ct.dstLo(r)}, IpProto.UDP, -1, port);
        if (net.services().expectRelated(exp) != 0) {
            // as Linux's helpers do when the expectation cannot be inserted: drop, with the reason
            refused.increment();
            pkt.reason = "nf_ct_toyctl: dropping packet: cannot add expectation";
            return Verdict.DROP;
        }
        expected.increment();
        return Verdict.ACCEPT;
    }

    /** The port of a {@code PORT n\n} payload in [from, to), or -1 when it is not exactly one. */
    static int port(Packet pkt, int from, int to) {
        int pos = from;
        for (byte b : PORT) {
            if (pos >= to || pkt.u8(pos++) != b) {
                return -1;
            }
        }
        int port = 0;
        int digits = 0;
        for (; pos < to && digits <= 5; pos++, digits++) {
            int c = pkt.u8(pos);
            if (c == '\n') {
                break;
            }
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        boolean ended = pos == to - 1 && pkt.u8(pos) == '\n';
        return ended && digits > 0 && port >= 1 && port <= 65535 ? port : -1;
    }

    /** Expectations asked for and inserted, and refused (their datagram dropped). */
    public long[] counters() {
        return new long[] {expected.sum(), refused.sum()};
    }
}
