package org.conntrack4j.helper.sane;

import java.util.List;
import java.util.Map;
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
 * The SANE helper ({@code nf_conntrack_sane.c}): a scanner client asks saned to start a scan
 * ({@code SANE_NET_START}) on the control connection (TCP 6566); saned's reply names the port the client is to
 * fetch the image from, and the engine expects that connection, from the client to the server.
 *
 * <pre>
 *   client to server, a segment of exactly 8 bytes:  RPC code (4 bytes, 7 = SANE_NET_START), handle (4)
 *   server to client, the next segment of 8 bytes or more:  status (4, 0 = success), zero (2), port (2)
 * </pre>
 * Any other 8-byte request forgets a start asked for; requests of another length change nothing. The reply is
 * read once: a failed status, a non-zero second word or a short segment end the wait without expectation. As in
 * Linux the port is not checked (0 is expected as such), and there is no NAT half: the expected connection has
 * the client's and server's own addresses and is translated by the rules like any new one.
 *
 * <p>Per connection it keeps whether a start was asked ({@link SaneMaster}), read and written without a lock as
 * the kernel does ({@code READ_ONCE}/{@code WRITE_ONCE}).
 */
@Component(service = Helper.class)
@HelperService(name = "sane")
public final class SaneHelper implements Helper {
    /** The prefix of the kernel's helper log lines ({@code nf_ct_helper_log}). */
    static final String LOG_PREFIX = "nf_ct_sane: dropping packet: ";
    static final String CANNOT_EXPECT = LOG_PREFIX + "cannot add expectation";

    /** One expected data connection per control connection, for five minutes ({@code sane_exp_policy}). */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("sane", 1, 300));

    /** Expectation class of the data connection ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    /** {@code struct sane_request}: RPC code and handle; {@code SANE_NET_START}. */
    static final int REQUEST_LENGTH = 8;
    static final int NET_START = 7;
    /** The part of {@code struct sane_reply_net_start} that is read: status, zero, port. */
    static final int REPLY_LENGTH = 8;

    /** Starts asked for; replies that expected a connection; replies refused (status, zero word, length); drops. */
    private final LongAdder starts = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    @Override
    public String name() {
        return "sane";
    }

    @Override
    public int protocol() {
        return IpProto.TCP;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return POLICIES;
    }

    @Override
    public Object newData(Connection ct) {
        return new SaneMaster();
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        Object data = ct.helperData();
        // Linux drops a packet of a helped connection without its helper data; here the data is only missing once
        // the helper has been detached, while the packet was on its way: it passes, as after the detachment
        if (!(data instanceof SaneMaster)) {
            return Verdict.ACCEPT;
        }
        SaneMaster info = (SaneMaster) data;
        if (ctinfo != CtInfo.ESTABLISHED && ctinfo != CtInfo.ESTABLISHED_REPLY) {
            return Verdict.ACCEPT;
        }
        int len = pkt.length();
        if (len < protoff + 20) {
            return Verdict.ACCEPT;
        }
        int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        if (dataoff >= len) {
            return Verdict.ACCEPT;
        }
        int datalen = len - dataoff;
        if (CtInfo.direction(ctinfo) == Direction.ORIGINAL) {
            if (datalen != REQUEST_LENGTH) {
                return Verdict.ACCEPT;
            }
            boolean start = pkt.u32(dataoff) == NET_START;
            info.startRequested = start;
            if (start) {
                starts.increment();
            }
            return Verdict.ACCEPT;
        }
        if (!info.startRequested) {
            return Verdict.ACCEPT;
        }
        // the reply to SANE_NET_START: read once, whatever it says
        info.startRequested = false;
        if (datalen < REPLY_LENGTH || pkt.u32(dataoff) != 0 || pkt.u16(dataoff + 4) != 0) {
            refused.increment();
            return Verdict.ACCEPT;
        }
        int o = Direction.ORIGINAL;
        ExpectationRequest exp = new ExpectationRequest(ct).init(CLASS_DEFAULT, ct.family(),
            new long[] {ct.srcHi(o), ct.srcLo(o)}, new long[] {ct.dstHi(o), ct.dstLo(o)}, IpProto.TCP, -1,
            pkt.u16(dataoff + 6));
        if (net.services().expectRelated(exp) != 0) {
            dropped.increment();
            pkt.reason = CANNOT_EXPECT;
            return Verdict.DROP;
        }
        expected.increment();
        return Verdict.ACCEPT;
    }

    /**
     * What the helper counted: starts asked for, replies that expected a connection, replies that did not (failed
     * status, non-zero second word, short), replies dropped (expectation refused).
     */
    public Map<String, Long> counters() {
        return Map.of("starts", starts.sum(), "expected", expected.sum(), "refused", refused.sum(), "dropped",
            dropped.sum());
    }

    @Override
    public String toString() {
        return "SaneHelper";
    }
}
