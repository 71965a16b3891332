package org.conntrack4j.helper.ftp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
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
 * The FTP helper ({@code nf_conntrack_ftp.c}): reads the control connection and expects the data connection
 * that a PORT or EPRT command (active mode) or a 227 or 229 reply (passive mode) announces, for IPv4 and
 * IPv6. Behind NAT it also rewrites the announcement ({@link FtpNat}).
 *
 * <p>Only a command at the start of a segment that starts a line is read ({@link FtpMaster}); a second command
 * in the same segment, or the rest of one cut across segments, is not. A segment that begins with a command
 * whose numbers cannot be read to their end (cut short, or malformed) is dropped, as the kernel does ("partial
 * matching"): passed, the command would reach the peer unread; dropped, it is sent again, usually with its rest.
 * An announced address other than the announcer's own gives no expectation: a client cannot open a way in to
 * a third host (the kernel's {@code loose=0}).
 *
 * <p>The helper keeps no state of its own; its per-connection data ({@link FtpMaster}) is guarded by the
 * connection's monitor, held for the whole reading of a segment (the kernel uses one global lock for all FTP
 * connections). Locks: the core's lock order ({@code org.conntrack4j.core.impl}).
 *
 * <p>It needs the NAT bundle only to rewrite, and looks it up per announcement ({@code net.services().extension}):
 * either bundle starts without the other.
 */
@Component(service = Helper.class)
@HelperService(name = "ftp")
public final class FtpHelper implements Helper {
    /** The prefix of the kernel's helper log lines ({@code nf_ct_helper_log}). */
    static final String LOG_PREFIX = "nf_ct_ftp: dropping packet: ";
    static final String CANNOT_EXPECT = LOG_PREFIX + "cannot add expectation";

    /** One expected data connection per control connection, for five minutes; a new one replaces it. */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("ftp", 1, 300));

    /** Expectation class of the data connection ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    @Override
    public String name() {
        return "ftp";
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
        return new FtpMaster();
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        // until both sides have spoken there is no command to read
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
        synchronized (ct) {
            // null once the helper has been detached from the connection (its bundle left)
            Object data = ct.helperData();
            if (!(data instanceof FtpMaster)) {
                return Verdict.ACCEPT;
            }
            return read(net, pkt, protoff, dataoff, ct, ctinfo, (FtpMaster) data);
        }
    }

    /** {@link #help} for a segment with payload, under the connection's monitor. */
    private static int read(Conntrack net, Packet pkt, int protoff, int dataoff, Connection ct, int ctinfo,
        FtpMaster info) {
        int dir = CtInfo.direction(ctinfo);
        int datalen = pkt.length() - dataoff;
        int seq = pkt.u32(protoff + 4);
        // taken before any rewriting: line starts are kept in the sender's own sequence space
        boolean endsLine = pkt.u8(pkt.length() - 1) == '\n';
        int nextSeq = seq + datalen;
        int verdict = Verdict.ACCEPT;
        if (info.startsLine(dir, seq) || info.takePickup(dir)) {
            FtpCommand cmd = info.cmd;
            cmd.reset(ct.family(), ct.srcHi(dir), ct.srcLo(dir));
            FtpSearch found = null;
            for (FtpSearch s : FtpSearch.BY_DIRECTION[dir]) {
                int r = s.find(pkt, dataoff, datalen, cmd);
                if (r == FtpSearch.PARTIAL) {
                    // the kernel drops it and does not note the line start: the retransmission is read again
                    pkt.reason = s.partialReason;
                    return Verdict.DROP;
                }
                if (r == FtpSearch.MATCH) {
                    found = s;
                    break;
                }
            }
            if (found != null) {
                verdict = expect(net, pkt, protoff, ct, ctinfo, dir, found.type, cmd);
            }
        }
        if (endsLine) {
            info.rememberLineStart(dir, nextSeq);
        }
        return verdict;
    }

    /** Expects the announced data connection (and behind NAT rewrites the announcement); returns the verdict. */
    private static int expect(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo, int dir, int type,
        FtpCommand cmd) {
        if (cmd.addrHi != ct.srcHi(dir) || cmd.addrLo != ct.srcLo(dir)) {
            // another host than the announcer: no hole for it (also a server behind a partial DNAT)
            return Verdict.ACCEPT;
        }
        int other = dir ^ 1;
        // the data connection comes from the peer and goes to where the peer sends this connection's packets
        ExpectationRequest exp = new ExpectationRequest(ct).init(CLASS_DEFAULT, ct.family(),
            new long[] {ct.srcHi(other), ct.srcLo(other)}, new long[] {ct.dstHi(other), ct.dstLo(other)}, IpProto.TCP,
            -1, cmd.port);
        Nat nat = net.services().extension(Nat.class);
        if (nat != null && ct.hasStatus(Status.NAT_MASK)) {
            return FtpNat.rewrite(nat, net, pkt, protoff, ct, ctinfo, dir, type, cmd, exp);
        }
        if (net.services().expectRelated(exp) != 0) {
            pkt.reason = CANNOT_EXPECT;
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }

    @Override
    public String toString() {
        return "FtpHelper";
    }
}
