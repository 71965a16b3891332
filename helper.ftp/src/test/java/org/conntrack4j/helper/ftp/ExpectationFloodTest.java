package org.conntrack4j.helper.ftp;

import static org.conntrack4j.helper.ftp.FtpRig.expectAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Floods of expectations through the FTP helper, counted as Linux counts them. The helper's policy allows one
 * expectation per control connection ({@code max_expected} 1): each new PORT evicts the one before
 * ({@code expect_create}, {@code expect_delete}). The engine allows {@code nf_conntrack_expect_max}: a PORT that
 * would go beyond it cannot be expected and its segment is dropped, as {@code nf_conntrack_ftp} does ("cannot add
 * expectation"); the control connections keep flowing, and once expectations time out there is room again.
 */
class ExpectationFloodTest {
    private static final String CLIENT = "198.51.100.10";
    private static final String SERVER = "203.0.113.10";

    @Test
    void portFloodOnOneControlConnection_keepsOneExpectation_evictingTheOldest() {
        FtpRig rig = new FtpRig();
        FtpRig.Session s = rig.new Session(CLIENT, 40000, SERVER, 21).handshake().login();
        int flood = 500;
        for (int i = 0; i < flood; i++) {
            int port = 10000 + i;
            expectAccepted(s.client("PORT 198,51,100,10," + (port >> 8) + "," + (port & 0xff) + "\r\n"));
            assertEquals(1, rig.net.stats().expectCount(), "max_expected 1: the newest replaces the oldest");
        }
        List<String> x = rig.expectations();
        assertEquals(1, x.size());
        assertTrue(x.get(0).contains("dport=" + (10000 + flood - 1)), "the newest is kept: " + x);
        assertEquals(flood, stat(rig, Stats.EXPECT_CREATE));
        assertEquals(flood - 1, stat(rig, Stats.EXPECT_DELETE));
        expectAccepted(s.server("200 PORT command successful.\r\n"));
    }

    @Test
    void portFloodOverManyControlConnections_stopsAtExpectMax_andDropsWhatCannotBeExpected() {
        FtpRig rig = new FtpRig();
        int max = 16;
        rig.net.settings().set("nf_conntrack_expect_max", max);
        // the owner's first expiry call starts the scan's schedule (as the live engine's expiry thread does)
        rig.rig.expire();
        List<FtpRig.Session> sessions = new ArrayList<>();
        int dropped = 0;
        int flood = 60;
        for (int i = 0; i < flood; i++) {
            FtpRig.Session s = rig.new Session(CLIENT, 41000 + i, SERVER, 21).handshake().login();
            sessions.add(s);
            int port = 20000 + i;
            FtpRig.Result r = s.client("PORT 198,51,100,10," + (port >> 8) + "," + (port & 0xff) + "\r\n");
            if (r.verdict == Verdict.DROP) {
                dropped++;
            } else {
                expectAccepted(r);
            }
            assertTrue(rig.net.stats().expectCount() <= max, "never above nf_conntrack_expect_max");
        }
        assertEquals(flood - max, dropped, "every PORT beyond the limit is dropped");
        assertEquals(max, rig.net.stats().expectCount());
        assertEquals(max, stat(rig, Stats.EXPECT_CREATE));
        assertEquals(0, stat(rig, Stats.EXPECT_DELETE));
        // the control connections go on, everything acknowledged (data left unacknowledged would time them out in
        // 300 s, nf_conntrack_tcp_timeout_unacknowledged)
        for (FtpRig.Session s : sessions) {
            expectAccepted(s.server("200 ok\r\n"));
            expectAccepted(s.clientAck());
        }
        // the expectations time out (the helper's 300 s) and make room: the scan that removes them runs at most
        // one interval (60 s) later
        rig.advance(361);
        rig.rig.expire();
        assertEquals(0, rig.net.stats().expectCount());
        assertEquals(max, stat(rig, Stats.EXPECT_DELETE));
        expectAccepted(sessions.get(0).client("PORT 198,51,100,10,100,1\r\n"));
        assertEquals(1, rig.net.stats().expectCount());
        // a dropped PORT comes again at its sequence number, as TCP retransmits it, and is expected now
        FtpRig.Session late = sessions.get(flood - 1);
        int port = 20000 + flood - 1;
        String again = "PORT 198,51,100,10," + (port >> 8) + "," + (port & 0xff) + "\r\n";
        expectAccepted(late.clientAt(late.cseq - again.length(), again));
        assertEquals(2, rig.net.stats().expectCount());
        assertEquals(max + 2, stat(rig, Stats.EXPECT_CREATE));
    }

    private static long stat(FtpRig rig, String name) {
        return rig.net.stats().get(name);
    }
}
