package org.conntrack4j.helper.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Hostile datagrams on a TFTP master: whatever they hold, the helper answers as {@code nf_conntrack_tftp} does
 * (pass, or drop with its log line and counter when the expectation is refused) and never fails; a flood of
 * requests on one master holds one expectation; a flood over many masters stops at the expectation table's
 * limit, the rest dropped and counted.
 */
class TftpHostileInputTest {
    private static final String C = TftpLab.CLIENT;
    private static final String S = TftpLab.SERVER;

    /** Passed, or dropped by the helper itself: a failure inside it would be a drop without its reason. */
    private static void helperAnswered(TftpLab.Result r) {
        assertTrue(r.verdict == Verdict.ACCEPT || TftpHelper.CANNOT_EXPECT.equals(r.reason),
            "verdict " + r.verdict + " reason " + r.reason);
    }

    @Test
    void randomAndMutatedDatagramsInBothDirectionsNeverFailTheHelper() {
        Random rnd = new Random(16);
        for (boolean masq : new boolean[] {false, true}) {
            TftpLab lab = new TftpLab();
            if (masq) {
                lab.masquerade();
            }
            String seen = masq ? TftpLab.ROUTER : C;
            for (int i = 0; i < 300; i++) {
                byte[] b = new byte[rnd.nextInt(i % 10 == 0 ? 1400 : 24)];
                rnd.nextBytes(b);
                if (b.length >= 2 && rnd.nextBoolean()) {
                    b[0] = 0;
                    b[1] = (byte) rnd.nextInt(4);
                }
                int cport = 42000 + rnd.nextInt(8);
                helperAnswered(rnd.nextInt(4) == 0 ? lab.udp(S, 69, seen, cport, b) : lab.udp(C, cport, S, 69, b));
            }
            // one expectation per master at most (max_expected 1), eight masters
            assertTrue(lab.expectations().size() <= 8, lab.expectations().toString());
            assertEquals(0L, lab.helper.counters().get("dropped"));
        }
    }

    @Test
    void theLargestRequestIsReadByItsOpcodeAlone() {
        TftpLab lab = new TftpLab().masquerade();
        byte[] big = new byte[65507];
        big[1] = TftpHelper.OPCODE_WRITE;
        TftpLab.Result r = lab.udp(C, 42100, S, 69, big);
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(1, lab.expectations().size());
        assertEquals("related", lab.udp(S, 50000, TftpLab.ROUTER, 42100, new byte[] {0, 4, 0, 0}).state);
    }

    @Test
    void aFloodOfRequestsOnOneMasterKeepsOneExpectation() {
        TftpLab lab = new TftpLab();
        for (int i = 0; i < 500; i++) {
            assertEquals(Verdict.ACCEPT, lab.udp(C, 42200, S, 69, TftpLab.request(1 + i % 2, "f" + i)).verdict);
        }
        assertEquals(1, lab.expectations().size());
        assertEquals(500L, lab.helper.counters().get("requests"));
        assertEquals(0L, lab.helper.counters().get("dropped"));
    }

    @Test
    void aFloodOverManyMastersStopsAtTheExpectationLimitAndTheRestIsDroppedAndCounted() {
        TftpLab lab = new TftpLab();
        lab.net.settings().set("nf_conntrack_expect_max", 64);
        int dropped = 0;
        for (int port = 43000; port < 43200; port++) {
            TftpLab.Result r = lab.udp(C, port, S, 69, TftpLab.request(1, "f"));
            helperAnswered(r);
            dropped += r.verdict == Verdict.DROP ? 1 : 0;
        }
        assertEquals(64, lab.expectations().size());
        assertEquals(136, dropped);
        assertEquals(136L, lab.helper.counters().get("dropped"));
    }
}
