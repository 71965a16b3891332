package org.conntrack4j.helper.sane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The SANE helper through the engine, as {@code nf_conntrack_sane} behaves (kernel cases:
 * testdata/oracle/cases/sane_masq, testdata/recorded/sane*): a start's successful reply expects the data
 * connection; failed, odd or short replies end the wait; other requests change the state as the kernel's
 * length check lets them.
 */
class SaneHelperTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final SaneLab lab = new SaneLab();

    private static String expectation(String c, String s, int port, int cport) {
        String mask = c.indexOf(':') >= 0 ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "255.255.255.255";
        return "300 proto=6 src=" + c + " dst=" + s + " sport=0 dport=" + port + " mask-src=" + mask + " mask-dst="
            + mask + " sport=0 dport=65535 master-src=" + c + " master-dst=" + s + " sport=" + cport
            + " dport=6566 class=0 helper=sane";
    }

    @Test
    void aSuccessfulStartExpectsTheClientsDataConnection() {
        SaneLab.Control c = lab.new Control(C, 44566, S);
        assertInstanceOf(SaneMaster.class, c.ct.helperData());
        c.request(SaneLab.words(0, 0x01000003, 4, 0x6c616200));
        c.reply(SaneLab.words(0, 0x01000003));
        assertEquals(Verdict.ACCEPT, c.start(0, 6600).verdict);
        assertEquals(List.of(expectation(C, S, 6600, 44566)), lab.expectations());
        SaneLab.Result syn = lab.forward(SaneLab.tcp(C, 44121, S, 6600, 1, 0, 0x02, new byte[0]));
        assertEquals("related", syn.state);
        assertSame(c.ct, syn.ct.master());
        assertEquals(Map.of("starts", 1L, "expected", 1L, "refused", 0L, "dropped", 0L), lab.helper.counters());
    }

    @Test
    void overIpv6Too() {
        SaneLab.Control c = lab.new Control("2001:db8:1::10", 44567, "2001:db8:2::10");
        c.start(0, 6601);
        assertEquals(List.of(expectation("2001:db8:1::10", "2001:db8:2::10", 6601, 44567)), lab.expectations());
    }

    @Test
    void failedOddAndShortRepliesEndTheWaitWithoutExpectation() {
        SaneLab.Control c = lab.new Control(C, 44568, S);
        c.start(1, 6602);
        c.request(SaneLab.words(7, 1));
        c.reply(SaneLab.reply(0, 1, 6603));
        c.request(SaneLab.words(7, 1));
        c.reply(new byte[] {0, 0, 0, 0, 0, 0, 0x19});
        assertEquals(List.of(), lab.expectations());
        assertEquals(3L, lab.helper.counters().get("refused"));
        // each was the one reply read: a good one now, without a new start, is not read
        c.reply(SaneLab.reply(0, 0, 6604));
        assertEquals(List.of(), lab.expectations());
    }

    @Test
    void onlyRequestsOfEightBytesChangeWhatIsAwaited() {
        SaneLab.Control c = lab.new Control(C, 44569, S);
        c.request(SaneLab.words(7, 1));
        // nine bytes: not a request the helper reads; the start is still awaited
        c.request(new byte[] {0, 0, 0, 10, 0, 0, 0, 1, 0});
        c.reply(SaneLab.reply(0, 0, 6605));
        assertEquals(List.of(expectation(C, S, 6605, 44569)), lab.expectations());
        // another eight-byte request after a start: the start is forgotten
        c.request(SaneLab.words(7, 1));
        c.request(SaneLab.words(10, 1));
        c.reply(SaneLab.reply(0, 0, 6606));
        assertTrue(lab.expectations().get(0).contains(" dport=6605 "), "no new expectation");
    }

    @Test
    void portZeroIsExpectedAsSuchAndANewStartReplacesTheExpectation() {
        SaneLab.Control c = lab.new Control(C, 44570, S);
        c.start(0, 0);
        assertEquals(List.of(expectation(C, S, 0, 44570)), lab.expectations());
        c.start(0, 6607);
        assertEquals(List.of(expectation(C, S, 6607, 44570)), lab.expectations(), "one per connection");
    }

    @Test
    void aRefusedExpectationDropsTheReply() {
        lab.net.settings().set("nf_conntrack_expect_max", 1);
        lab.new Control(C, 44573, S).start(0, 6610);
        SaneLab.Control c = lab.new Control(C, 44571, S);
        SaneLab.Result r = c.start(0, 6608);
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_sane: dropping packet: cannot add expectation", r.reason);
        assertEquals(1L, lab.helper.counters().get("dropped"));
    }

    @Test
    void aDetachedHelperReadsNothingMore() {
        SaneLab.Control c = lab.new Control(C, 44572, S);
        c.request(SaneLab.words(7, 1));
        lab.helperRegistration.close();
        assertNull(c.ct.helper());
        assertEquals(Verdict.ACCEPT, c.reply(SaneLab.reply(0, 0, 6609)).verdict);
        assertEquals(List.of(), lab.expectations());
    }
}
