package org.conntrack4j.helper.irc;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The IRC helper ({@code nf_conntrack_irc.c}): reads what a client behind the router sends to its IRC server and
 * expects the connection a DCC offer ({@link IrcDcc}) invites its peer to open: from anywhere to the address
 * and port offered, as the server's side sees the client. Behind NAT the offer is rewritten to name the address
 * the peer can reach, with the offered port or a free one ({@link IrcNat}).
 *
 * <p>As in Linux: only segments of the original direction (client to server) with payload, once both sides
 * have spoken, are read; an offer naming an address other than the client's own (or its translated one), or
 * port 0, is forged: no expectation, the segment passes (counted {@code forged}). IPv4 only: Linux registers no
 * IPv6 IRC helper.
 *
 * <p>Its two module parameters are component properties (Configuration Admin, PID
 * {@code org.conntrack4j.helper.irc}), fixed while the helper is registered as Linux fixes them when the module
 * loads: {@code max_dcc_channels} (expected DCC connections per IRC connection, 1..255, default 8; the oldest is
 * evicted for a new one) and {@code dcc_timeout} (seconds an offer is expected, default 300). A value out of
 * range keeps the helper from registering, as it keeps the module from loading. A new configuration registers
 * the helper again, which unhelps its connections as a module reload does.
 *
 * <p>Stateless per connection: no helper data, no lock. It looks NAT up per offer
 * ({@code net.services().extension}): either bundle starts without the other.
 */
@Component(service = Helper.class, configurationPid = "org.conntrack4j.helper.irc")
@HelperService(name = "irc")
public final class IrcHelper implements Helper {
    /** The prefix of the kernel's helper log lines ({@code nf_ct_helper_log}). */
    static final String LOG_PREFIX = "nf_ct_irc: dropping packet: ";
    static final String CANNOT_EXPECT = LOG_PREFIX + "cannot add expectation";

    static final String MAX_DCC_CHANNELS = "max_dcc_channels";
    static final String DCC_TIMEOUT = "dcc_timeout";
    /** {@code NF_CT_EXPECT_MAX_CNT}: the most expectations a policy may allow per master. */
    static final int EXPECT_MAX_CNT = 255;

    /** Expectation class of the DCC connection ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    private volatile List<ExpectPolicy> policies = policy(8, 300);

    /** Offers expected; offers refused as forged; requests whose address and port cannot be read; drops. */
    private final LongAdder offers = new LongAdder();
    private final LongAdder forged = new LongAdder();
    private final LongAdder unreadable = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    /** The module parameters, checked as {@code nf_conntrack_irc_init} checks them. */
    @Activate
    void activate(Map<String, Object> config) {
        long max = parameter(config, MAX_DCC_CHANNELS, 8);
        long timeout = parameter(config, DCC_TIMEOUT, 300);
        if (max < 1) {
            throw new IllegalArgumentException("nf_conntrack_irc: max_dcc_channels must not be zero");
        }
        if (max > EXPECT_MAX_CNT) {
            throw new IllegalArgumentException("nf_conntrack_irc: max_dcc_channels must not be more than "
                + EXPECT_MAX_CNT);
        }
        if (timeout < 0 || timeout > 0xffffffffL) {
            throw new IllegalArgumentException("nf_conntrack_irc: dcc_timeout " + timeout + " is not an unsigned "
                + "32-bit number of seconds");
        }
        policies = policy((int) max, (int) Math.min(timeout, Integer.MAX_VALUE));
    }

    private static List<ExpectPolicy> policy(int max, int timeout) {
        return List.of(new ExpectPolicy("irc", max, timeout));
    }

    private static long parameter(Map<String, Object> config, String name, long dflt) {
        Object v = config == null ? null : config.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return v instanceof Number ? ((Number) v).longValue() : Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nf_conntrack_irc: " + name + ": not a number: " + v);
        }
    }

    @Override
    public String name() {
        return "irc";
    }

    @Override
    public int protocol() {
        return IpProto.TCP;
    }

    @Override
    public boolean supports(int family) {
        return family == Family.IPV4;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return policies;
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        // what the server sends is not read, nor anything before both sides have spoken
        if (ctinfo != CtInfo.ESTABLISHED) {
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
        IrcDcc dcc = IrcDcc.find(pkt, dataoff, len);
        if (dcc == IrcDcc.NONE) {
            return Verdict.ACCEPT;
        }
        if (dcc == IrcDcc.UNREADABLE) {
            unreadable.increment();
            return Verdict.ACCEPT;
        }
        // the client may name its own address or, behind NAT, the one the server sees (Linux warns "Forged DCC")
        int o = Direction.ORIGINAL;
        int r = Direction.REPLY;
        if (dcc.address != ct.srcLo(o) && dcc.address != ct.dstLo(r) || dcc.port == 0) {
            forged.increment();
            return Verdict.ACCEPT;
        }
        offers.increment();
        // from anywhere to the client as the server's side sees it
        ExpectationRequest exp = new ExpectationRequest(ct).init(CLASS_DEFAULT, Family.IPV4, null,
            new long[] {ct.dstHi(r), ct.dstLo(r)}, IpProto.TCP, -1, dcc.port);
        Nat nat = net.services().extension(Nat.class);
        int verdict;
        if (nat != null && ct.hasStatus(Status.NAT_MASK)) {
            verdict = IrcNat.rewrite(nat, net, pkt, protoff, dataoff, ct, ctinfo, dcc, exp);
        } else if (net.services().expectRelated(exp) != 0) {
            pkt.reason = CANNOT_EXPECT;
            verdict = Verdict.DROP;
        } else {
            verdict = Verdict.ACCEPT;
        }
        if (verdict != Verdict.ACCEPT) {
            dropped.increment();
        }
        return verdict;
    }

    /**
     * What the helper counted: offers expected, offers refused as forged (another address, or port 0), DCC
     * requests whose address and port could not be read, segments dropped (expectation or rewrite failed).
     */
    public Map<String, Long> counters() {
        return Map.of("offers", offers.sum(), "forged", forged.sum(), "unreadable", unreadable.sum(), "dropped",
            dropped.sum());
    }

    @Override
    public String toString() {
        return "IrcHelper";
    }
}
