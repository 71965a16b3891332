package org.conntrack4j.helper.tftp;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * The TFTP helper ({@code nf_conntrack_tftp.c}): a read or write request (RRQ, WRQ) on the helped connection
 * makes the engine expect the server's answer, which comes from a port of its own choosing: from the address the
 * request went to, any port, to the port the request came from. The master itself stays unreplied. Behind NAT
 * the expected connection follows the master's binding ({@link TftpNat}).
 *
 * <p>Only the two-byte opcode at the start of each datagram is read, on every datagram in both directions, as
 * the kernel does; DATA, ACK, ERROR and unknown opcodes, and datagrams too short for an opcode, pass unread.
 * A request whose expectation cannot be inserted (it clashes with another master's, or the table is full) is
 * dropped, as in Linux.
 *
 * <p>Stateless: no per-connection data, no lock of its own. It needs the NAT bundle only behind NAT and looks
 * it up per request ({@code net.services().extension}): either bundle starts without the other.
 */
@Component(service = Helper.class)
@HelperService(name = "tftp")
public final class TftpHelper implements Helper {
    /** The prefix of the kernel's helper log lines ({@code nf_ct_helper_log}). */
    static final String LOG_PREFIX = "nf_ct_tftp: dropping packet: ";
    static final String CANNOT_EXPECT = LOG_PREFIX + "cannot add expectation";

    /** One expected answer per request, for five minutes; a new request replaces it ({@code tftp_exp_policy}). */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("tftp", 1, 300));

    /** Expectation class of the answer ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    /** Opcodes ({@code TFTP_OPCODE_*}): only the requests make an expectation. */
    static final int OPCODE_READ = 1;
    static final int OPCODE_WRITE = 2;

    /** Requests read (an expectation asked for), and requests dropped because it could not be inserted. */
    private final LongAdder requests = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    @Override
    public String name() {
        return "tftp";
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
        // the opcode follows the 8-byte UDP header; a datagram without one is not TFTP's business
        if (pkt.length() < protoff + 10) {
            return Verdict.ACCEPT;
        }
        int opcode = pkt.u16(protoff + 8);
        if (opcode != OPCODE_READ && opcode != OPCODE_WRITE) {
            return Verdict.ACCEPT;
        }
        requests.increment();
        // the answer: from the address the request went to (any port), to where the request came from, both as
        // the server sees them (the reply tuple)
        int r = Direction.REPLY;
        ExpectationRequest exp = new ExpectationRequest(ct).init(CLASS_DEFAULT, ct.family(),
            new long[] {ct.srcHi(r), ct.srcLo(r)}, new long[] {ct.dstHi(r), ct.dstLo(r)}, IpProto.UDP, -1,
            ct.dstPort(r));
        Nat nat = net.services().extension(Nat.class);
        int err = nat != null && ct.hasStatus(Status.NAT_MASK) ? TftpNat.expect(nat, net, ct, exp)
            : net.services().expectRelated(exp);
        if (err != 0) {
            dropped.increment();
            pkt.reason = CANNOT_EXPECT;
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }

    /** What the helper counted: requests read, requests dropped (expectation refused). */
    public Map<String, Long> counters() {
        return Map.of("requests", requests.sum(), "dropped", dropped.sum());
    }

    @Override
    public String toString() {
        return "TftpHelper";
    }
}
