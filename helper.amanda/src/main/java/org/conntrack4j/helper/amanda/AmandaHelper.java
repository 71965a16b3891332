package org.conntrack4j.helper.amanda;

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
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * The Amanda helper ({@code nf_conntrack_amanda.c}). The backup server asks an Amanda client over UDP (port 10080);
 * the client's answer announces TCP ports for the server to connect to:
 * <pre>
 *   CONNECT DATA 50010 MESG 50011 INDEX 50012\n
 * </pre>
 * Every datagram of the reply direction (client to server) sets the UDP connection's timeout to the
 * {@link #MASTER_TIMEOUT} (clients answer late); in it, the first line starting at {@code CONNECT } is searched
 * for {@code DATA }, {@code MESG }, {@code INDEX } and {@code STATE }, in that order, each followed by a port of
 * at most five digits. Each port read makes the engine expect a TCP connection from the server to the client at
 * that port; a port that reads as 0 (no digits, or 65536) ends the search. Behind NAT the expected connection
 * follows the master's binding and the port in the datagram is rewritten to the one expected ({@link AmandaNat}).
 *
 * <p>As in Linux: every keyword's first occurrence in the line counts, wherever it stands; numbers keep their
 * low 16 bits; the verdict is the last announcement's (a failed one is dropped unless a later one behind NAT
 * succeeds). Stateless: no per-connection data, no lock.
 */
@Component(service = Helper.class)
@HelperService(name = "amanda")
public final class AmandaHelper implements Helper {
    /** The prefix of the kernel's helper log lines ({@code nf_ct_helper_log}). */
    static final String LOG_PREFIX = "nf_ct_amanda: dropping packet: ";
    static final String CANNOT_EXPECT = LOG_PREFIX + "cannot add expectation";

    /**
     * The module parameter {@code master_timeout} (writable at runtime in Linux too): what the control
     * connection's timeout is set to by each answer of the client, in seconds.
     */
    public static final SettingKey MASTER_TIMEOUT = SettingKey.seconds("nf_conntrack_amanda.master_timeout", 300,
        "seconds the Amanda control connection is kept after each answer of the client (module parameter)");

    /** Up to four expected connections per control connection, for three minutes ({@code amanda_exp_policy}). */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("amanda", 4, 180));

    /** Expectation class of the announced connections ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    private static final byte[] CONNECT = bytes("CONNECT ");
    private static final byte[] NEWLINE = bytes("\n");
    /** The keywords announcing a port, searched for in this order ({@code SEARCH_DATA .. SEARCH_STATE}). */
    private static final byte[][] KEYWORDS = {bytes("DATA "), bytes("MESG "), bytes("INDEX "), bytes("STATE ")};
    /** Digits read after a keyword, at most ({@code sizeof("65535") - 1}). */
    private static final int MAX_DIGITS = 5;

    /** Ports announced (an expectation asked for), announcements dropped, answers without payload. */
    private final LongAdder announced = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder empty = new LongAdder();

    @Override
    public String name() {
        return "amanda";
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
    public List<SettingKey> settings() {
        return List.of(MASTER_TIMEOUT);
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        // only the client's answers are read
        if (CtInfo.direction(ctinfo) == Direction.ORIGINAL) {
            return Verdict.ACCEPT;
        }
        net.packets().refresh(ct, net.settings().get(MASTER_TIMEOUT) * net.clock().hz());
        int len = pkt.length();
        int dataoff = protoff + 8;
        if (dataoff >= len) {
            // Linux complains ("amanda_help: skblen") and lets it pass
            empty.increment();
            return Verdict.ACCEPT;
        }
        int start = find(pkt, dataoff, len, CONNECT);
        if (start < 0) {
            return Verdict.ACCEPT;
        }
        start += CONNECT.length;
        int stop = find(pkt, start, len, NEWLINE);
        if (stop < 0) {
            return Verdict.ACCEPT;
        }
        int verdict = Verdict.ACCEPT;
        // start and stop stay where they were found, also after a rewrite moved the bytes (as in Linux)
        for (byte[] keyword : KEYWORDS) {
            int off = find(pkt, start, stop, keyword);
            if (off < 0) {
                continue;
            }
            off += keyword.length;
            int n = Math.min(MAX_DIGITS, stop - off);
            long value = 0;
            int digits = 0;
            while (digits < n && isDigit(pkt.u8(off + digits))) {
                value = value * 10 + pkt.u8(off + digits) - '0';
                digits++;
            }
            int port = (int) value & 0xffff;
            if (port == 0) {
                break;
            }
            announced.increment();
            // from the server to the client as the client's side sees them (the original tuple)
            int o = Direction.ORIGINAL;
            ExpectationRequest exp = new ExpectationRequest(ct).init(CLASS_DEFAULT, ct.family(),
                new long[] {ct.srcHi(o), ct.srcLo(o)}, new long[] {ct.dstHi(o), ct.dstLo(o)}, IpProto.TCP, -1, port);
            Nat nat = net.services().extension(Nat.class);
            if (nat != null && ct.hasStatus(Status.NAT_MASK)) {
                verdict = AmandaNat.rewrite(nat, net, pkt, protoff, ct, ctinfo, off - dataoff, digits, exp);
                if (verdict != Verdict.ACCEPT) {
                    dropped.increment();
                }
            } else if (net.services().expectRelated(exp) != 0) {
                dropped.increment();
                pkt.reason = CANNOT_EXPECT;
                verdict = Verdict.DROP;
            }
        }
        return verdict;
    }

    /**
     * {@code skb_find_text}: the offset of the first occurrence of {@code s} lying wholly in {@code [from, to)} of
     * the packet (as far as the packet goes), or -1.
     */
    static int find(Packet p, int from, int to, byte[] s) {
        int end = Math.min(to, p.length()) - s.length;
        for (int i = from; i <= end; i++) {
            int k = 0;
            while (k < s.length && p.u8(i + k) == (s[k] & 0xff)) {
                k++;
            }
            if (k == s.length) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** What the helper counted: ports announced, announcements dropped, answers without payload. */
    public Map<String, Long> counters() {
        return Map.of("announced", announced.sum(), "dropped", dropped.sum(), "empty", empty.sum());
    }

    @Override
    public String toString() {
        return "AmandaHelper";
    }
}
