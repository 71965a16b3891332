package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;

/**
 * The helper leaving while control connections run (its bundle stopping), as the core's registry sees it:
 * its expectations go, its connections keep running unhelped with their sequence adjustment, and a helper
 * registered again serves new connections only. The in-framework test does the same with the bundle.
 */
class FtpHelperDepartureTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final FtpRig rig = new FtpRig();
    private final FakeNat nat = rig.masquerade();


    @Test
    void leavingDestroysExpectationsAndDetachesButTheConnectionKeepsItsSequenceAdjustment() {
        FtpRig.Session s = rig.new Session(C, 54686, S, 21, FtpRig.ROUTER, 100, 900).handshake().login();
        assertEquals("PORT 203,0,113,1,156,166\r\n", s.client("PORT 198,51,100,10,156,166\r\n").payload());
        rig.events.clear();
        rig.expectEvents.clear();

        rig.helperRegistration.close();
        assertEquals(List.of(), rig.expectations());
        assertEquals(1, rig.expectEvents.size());
        assertTrue(rig.expectEvents.get(0).startsWith("[DESTROY] 300 proto=6 src=203.0.113.10 dst=203.0.113.1 "));
        assertNull(s.ct.helper());
        assertNull(s.ct.helperData());
        assertNull(rig.net.table().snapshot(s.ct).helper());
        assertEquals(1, rig.events.size(), "the connection reports losing its helper");

        // still tracked, still shifted by the rewrite made before, no longer read
        FtpRig.Result ack = s.serverAck(s.cseq - 2);
        assertEquals("established", ack.state);
        assertEquals(s.cseq, FtpRig.ackOf(ack.out));
        int before = s.cseq;
        FtpRig.Result port = s.client("PORT 198,51,100,10,156,167\r\n");
        assertEquals(Verdict.ACCEPT, port.verdict);
        assertEquals("PORT 198,51,100,10,156,167\r\n", port.payload());
        assertEquals(before - 2, FtpRig.seqOf(port.out));
        assertEquals(-2, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL));
        assertEquals(List.of(), rig.expectations());
        assertEquals("new", rig.forward(FtpRig.tcp(S, 20, FtpRig.ROUTER, 40102, 7, 0, FtpRig.SYN,
            new byte[0])).state, "no data connection is related any more");
    }

    @Test
    void aHelperRegisteredAgainServesNewConnectionsOnly() {
        FtpRig.Session old = rig.new Session(C, 54686, S, 21, FtpRig.ROUTER, 100, 900).handshake().login();
        rig.helperRegistration.close();
        FtpHelper again = new FtpHelper();
        rig.plugins.addHelper(again);

        old.client("PORT 198,51,100,10,156,166\r\n");
        assertNull(old.ct.helper());
        assertEquals(List.of(), rig.expectations());

        FtpRig.Session fresh = rig.new Session(C, 54687, S, 21, FtpRig.ROUTER, 100, 900).handshake().login();
        assertSame(again, fresh.ct.helper());
        fresh.client("PORT 198,51,100,10,156,167\r\n");
        assertEquals(1, rig.expectations().size());
        assertTrue(rig.expectations().get(0).contains(" dport=40103 "));
    }
}
