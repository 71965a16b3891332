package org.conntrack4j.helper.amanda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Hostile answers on an Amanda control connection: random and truncated CONNECT lines, numbers out of range and
 * the largest datagram never fail the helper (it passes them, or drops them with its log line and counter as
 * {@code nf_conntrack_amanda}/{@code nf_nat_amanda} do); a flood of announcements holds each control connection
 * to four expected ports, the oldest going first.
 */
class AmandaHostileInputTest {
    private static final String[] PIECES = {"CONNECT ", "DATA ", "MESG ", "INDEX ", "STATE ", "OPTIONS ", "50010",
        "0", "65535", "65536", "99999", "123456789", "-1", " ", "\n", "\r", ";", "\0"};

    /** Passed, or dropped with one of the helper's own reasons: a failure inside it would be a drop without. */
    private static void helperAnswered(AmandaLab.Result r) {
        assertTrue(r.verdict == Verdict.ACCEPT || r.reason != null && r.reason.startsWith(AmandaHelper.LOG_PREFIX),
            "verdict " + r.verdict + " reason " + r.reason);
    }

    @Test
    void randomConnectLinesNeverFailTheHelper() {
        Random rnd = new Random(10080);
        for (boolean masq : new boolean[] {false, true}) {
            AmandaLab lab = new AmandaLab();
            if (masq) {
                lab.masquerade();
            }
            for (int sport = 860; sport < 865; sport++) {
                lab.ask(sport);
            }
            for (int i = 0; i < 500; i++) {
                StringBuilder b = new StringBuilder();
                for (int n = rnd.nextInt(14); n >= 0; n--) {
                    b.append(rnd.nextInt(7) == 0 ? String.valueOf((char) rnd.nextInt(256))
                        : PIECES[rnd.nextInt(PIECES.length)]);
                }
                helperAnswered(lab.answer(860 + rnd.nextInt(5), b.toString()));
            }
            assertTrue(lab.expectations().size() <= 5 * 4, lab.expectations().toString());
        }
    }

    @Test
    void everyTruncationOfAConnectLinePassesAndExpectsWhatItCompletes() {
        String full = "CONNECT DATA 50010 MESG 50011 INDEX 50012\n";
        for (int cut = 0; cut <= full.length(); cut++) {
            AmandaLab lab = new AmandaLab().masquerade();
            lab.ask(870);
            AmandaLab.Result r = lab.answer(870, full.substring(0, cut));
            assertEquals(Verdict.ACCEPT, r.verdict, "cut at " + cut);
            // without the line end the line is not read
            assertEquals(cut == full.length() ? 3 : 0, lab.expectations().size(), "cut at " + cut);
        }
    }

    @Test
    void numbersOutOfRangeEndTheSearchOrKeepTheirLowBits() {
        AmandaLab lab = new AmandaLab();
        lab.ask(871);
        // five digits at most are read: 123456 reads as 12345; 65536 reads as 0 and ends the search
        lab.answer(871, "CONNECT DATA 123456 MESG 65536 INDEX 50012\n");
        assertEquals(1, lab.expectations().size(), lab.expectations().toString());
        assertTrue(lab.expectations().get(0).contains(" dport=12345 "), lab.expectations().toString());
    }

    @Test
    void theLargestDatagramIsSearchedWhole() {
        AmandaLab lab = new AmandaLab().masquerade();
        lab.ask(872);
        String line = "CONNECT DATA 50020\n";
        AmandaLab.Result r = lab.answer(872, "x".repeat(65507 - line.length()) + line);
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(1, lab.expectations().size());
    }

    @Test
    void aFloodOfAnnouncementsKeepsFourPerControlConnectionAndTheNewest() {
        AmandaLab lab = new AmandaLab();
        for (int sport = 880; sport < 890; sport++) {
            lab.ask(sport);
            for (int k = 0; k < 25; k++) {
                int base = first(sport) + k * 4;
                assertEquals(Verdict.ACCEPT, lab.answer(sport, "CONNECT DATA " + base + " MESG " + (base + 1)
                    + " INDEX " + (base + 2) + " STATE " + (base + 3) + "\n").verdict);
            }
        }
        assertEquals(40, lab.expectations().size());
        for (String x : lab.expectations()) {
            int port = Integer.parseInt(x.replaceAll(".*? sport=0 dport=(\\d+) .*", "$1"));
            assertTrue(port >= first(sportOf(x)) + 96 && port <= first(sportOf(x)) + 99, x);
        }
        assertEquals(1000L, lab.helper.counters().get("announced"));
        assertEquals(0L, lab.helper.counters().get("dropped"));
    }

    /** The first port the flood announces on the control connection from {@code sport}; 100 each. */
    private static int first(int sport) {
        return 30000 + (sport - 880) * 100;
    }

    /** The master's server port in an expectation line. */
    private static int sportOf(String expectation) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" sport=(\\d+) dport=10080 ").matcher(expectation);
        assertTrue(m.find(), expectation);
        return Integer.parseInt(m.group(1));
    }
}
