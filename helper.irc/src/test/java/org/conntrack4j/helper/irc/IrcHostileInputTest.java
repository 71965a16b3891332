package org.conntrack4j.helper.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Hostile segments on an IRC connection: random and truncated offers never fail the helper (it passes them, or
 * drops them with its log line and counter as {@code nf_conntrack_irc}/{@code nf_nat_irc} do); only the first
 * {@link IrcDcc#MAX_SEARCH} bytes are read; an offer whose rewrite would make the packet larger than IPv4 allows
 * is dropped and its expectation withdrawn; a flood of offers from many connections holds each one to
 * {@code max_dcc_channels}.
 */
class IrcHostileInputTest {
    private static final String OWN = "3325256714";
    private static final String[] PIECES = {"PRIVMSG ", "privmsg ", "bob ", " :", "\1DCC ", "SEND ", "CHAT ", "MOVE ",
        "TSEND ", "SCHAT ", "XMIT ", "f ", "chat ", OWN, "3405803777", "4294967295", "99999999999999999999", " ",
        "5000", "0", "65535", "65536", "-1", "\1", "\r\n", "\n", "\0", "\u00ff"};

    private static String offer(String addr, int port) {
        return "PRIVMSG bob :\1DCC SEND f " + addr + " " + port + " 10\1\r\n";
    }

    /** Passed, or dropped with one of the helper's own reasons: a failure inside it would be a drop without. */
    private static void helperAnswered(IrcLab.Result r) {
        assertTrue(r.verdict == Verdict.ACCEPT || r.reason != null && r.reason.startsWith(IrcHelper.LOG_PREFIX),
            "verdict " + r.verdict + " reason " + r.reason);
    }

    @Test
    void randomTextMadeOfOfferPiecesNeverFailsTheHelper() {
        Random rnd = new Random(3);
        for (boolean masq : new boolean[] {false, true}) {
            IrcLab lab = new IrcLab();
            if (masq) {
                lab.masquerade();
            }
            IrcLab.Session s = lab.new Session(44000);
            for (int i = 0; i < 600; i++) {
                StringBuilder b = new StringBuilder();
                for (int n = rnd.nextInt(16); n >= 0; n--) {
                    if (rnd.nextInt(6) == 0) {
                        b.append((char) rnd.nextInt(256));
                    } else {
                        b.append(PIECES[rnd.nextInt(PIECES.length)]);
                    }
                }
                helperAnswered(s.client(b.toString()));
                if (i % 50 == 0) {
                    s.server(":srv PING x\r\n");
                }
            }
            assertTrue(lab.expectations().size() <= 8, lab.expectations().toString());
        }
    }

    @Test
    void everyTruncationOfAnOfferPassesAndOnlyOnesWithTheirLineEndAreExpected() {
        String full = offer(OWN, 5000);
        for (int cut = 0; cut <= full.length(); cut++) {
            IrcLab lab = new IrcLab().masquerade();
            IrcLab.Session s = lab.new Session(44100);
            IrcLab.Result r = s.client(full.substring(0, cut));
            assertEquals(Verdict.ACCEPT, r.verdict, "cut at " + cut);
            boolean lineEnd = full.substring(0, cut).contains("\n");
            assertEquals(lineEnd ? 1 : 0, lab.expectations().size(), "cut at " + cut);
        }
    }

    @Test
    void onlyTheFirstBytesOfAHugeSegmentAreSearched() {
        IrcLab lab = new IrcLab();
        lab.net.settings().set("nf_conntrack_tcp_be_liberal", 1);
        IrcLab.Session s = lab.new Session(44200);
        String pad = "PRIVMSG " + "x".repeat(IrcDcc.MAX_SEARCH);
        IrcLab.Result far = s.client(pad + " :\1DCC SEND f " + OWN + " 5000 10\1\r\n" + "y".repeat(60000));
        assertEquals(Verdict.ACCEPT, far.verdict);
        assertEquals(List.of(), lab.expectations(), "an offer beyond the searched part is not seen");
        IrcLab.Result near = s.client(offer(OWN, 5001) + "y".repeat(65000));
        assertEquals(Verdict.ACCEPT, near.verdict);
        assertEquals(1, lab.expectations().size());
    }

    @Test
    void aRewriteThatWouldOutgrowTheLargestPacketDropsItAndWithdrawsTheExpectation() {
        IrcLab lab = new IrcLab().masquerade();
        lab.net.settings().set("nf_conntrack_tcp_be_liberal", 1);
        // the first connection holds port 9999 at the router; the second's offer moves to a random free port
        // above it (nf_nat_exp_find_port), five digits: the text grows by one
        lab.new Session(44300).client(offer(OWN, 9999));
        IrcLab.Session s = lab.new Session(44301);
        String text = offer(OWN, 9999);
        IrcLab.Result r = s.client(text + "z".repeat(65535 - 40 - text.length()));
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals(IrcNat.CANNOT_MANGLE, r.reason);
        assertEquals(1, lab.expectations().size(), "only the first connection's");
        assertEquals(1L, lab.helper.counters().get("dropped"));
        // the same offer in a segment with room is rewritten to such a port
        IrcLab.Result ok = s.client(text);
        assertEquals(Verdict.ACCEPT, ok.verdict);
        assertTrue(ok.payload().matches("PRIVMSG bob :\1DCC SEND f 3405803777 \\d{5} 10\1\r\n"), ok.payload());
        assertEquals(2, lab.expectations().size());
    }

    @Test
    void aFloodOfOffersFromManyConnectionsHoldsEachToMaxDccChannels() {
        IrcLab lab = new IrcLab();
        for (int c = 0; c < 20; c++) {
            IrcLab.Session s = lab.new Session(44400 + c);
            for (int port = 0; port < 30; port++) {
                assertEquals(Verdict.ACCEPT, s.client(offer(OWN, 20000 + c * 100 + port)).verdict);
            }
        }
        assertEquals(20 * 8, lab.expectations().size());
        assertEquals(600L, lab.helper.counters().get("offers"));
        assertEquals(0L, lab.helper.counters().get("dropped"));
    }
}
