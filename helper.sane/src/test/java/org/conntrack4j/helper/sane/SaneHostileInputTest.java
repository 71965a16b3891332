package org.conntrack4j.helper.sane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Hostile segments on a SANE control connection: random requests and replies of any length, truncated and
 * oversized replies never fail the helper (it passes them, or drops them with its log line and counter as
 * {@code nf_conntrack_sane} does); a flood of starts holds one expectation per control connection.
 */
class SaneHostileInputTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    /** Passed, or dropped by the helper itself: a failure inside it would be a drop without its reason. */
    private static void helperAnswered(SaneLab.Result r) {
        assertTrue(r.verdict == Verdict.ACCEPT || SaneHelper.CANNOT_EXPECT.equals(r.reason),
            "verdict " + r.verdict + " reason " + r.reason);
    }

    @Test
    void randomRequestsAndRepliesNeverFailTheHelper() {
        Random rnd = new Random(6566);
        SaneLab lab = new SaneLab();
        SaneLab.Control c = lab.new Control(C, 45000, S);
        for (int i = 0; i < 600; i++) {
            byte[] b = new byte[rnd.nextInt(3) == 0 ? 8 : rnd.nextInt(i % 20 == 0 ? 1400 : 16)];
            rnd.nextBytes(b);
            if (b.length >= 8 && rnd.nextBoolean()) {
                // a start, or a reply that reads as a success
                System.arraycopy(rnd.nextBoolean() ? SaneLab.words(7, 1) : SaneLab.words(0, rnd.nextInt(0x10000)), 0,
                    b, 0, 8);
            }
            helperAnswered(rnd.nextBoolean() ? c.request(b) : c.reply(b));
        }
        assertTrue(lab.expectations().size() <= 1, lab.expectations().toString());
        assertEquals(0L, lab.helper.counters().get("dropped"));
    }

    @Test
    void everyTruncationOfTheReplyPassesAndOnlyTheWholeOneExpects() {
        byte[] reply = SaneLab.reply(0, 0, 6610);
        for (int cut = 1; cut <= reply.length; cut++) {
            SaneLab lab = new SaneLab();
            SaneLab.Control c = lab.new Control(C, 45001, S);
            c.request(SaneLab.words(7, 1));
            SaneLab.Result r = c.reply(java.util.Arrays.copyOf(reply, cut));
            assertEquals(Verdict.ACCEPT, r.verdict, "cut at " + cut);
            assertEquals(cut >= SaneHelper.REPLY_LENGTH ? 1 : 0, lab.expectations().size(), "cut at " + cut);
        }
    }

    @Test
    void anOversizedReplyIsReadByItsFirstEightBytes() {
        SaneLab lab = new SaneLab();
        lab.net.settings().set("nf_conntrack_tcp_be_liberal", 1);
        SaneLab.Control c = lab.new Control(C, 45002, S);
        c.request(SaneLab.words(7, 1));
        byte[] big = java.util.Arrays.copyOf(SaneLab.reply(0, 0, 6611), 65495);
        assertEquals(Verdict.ACCEPT, c.reply(big).verdict);
        assertEquals(1, lab.expectations().size());
    }

    @Test
    void aFloodOfStartsKeepsOneExpectationPerControlConnection() {
        SaneLab lab = new SaneLab();
        for (int k = 0; k < 5; k++) {
            SaneLab.Control c = lab.new Control(C, 45010 + k, S);
            for (int i = 0; i < 100; i++) {
                assertEquals(Verdict.ACCEPT, c.start(0, 7000 + k * 100 + i).verdict);
            }
        }
        assertEquals(5, lab.expectations().size());
        assertTrue(lab.expectations().stream().allMatch(x -> x.matches(".* dport=7\\d99 .*")),
            lab.expectations().toString());
        assertEquals(500L, lab.helper.counters().get("expected"));
    }
}
