package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-connection line starts: two per direction, the older replaced only by a newer one. */
class FtpMasterTest {
    private final FtpMaster m = new FtpMaster();

    @Test
    void twoLineStartsAreRememberedPerDirection() {
        m.rememberLineStart(0, 100);
        m.rememberLineStart(0, 200);
        m.rememberLineStart(1, 100);
        assertTrue(m.startsLine(0, 100) && m.startsLine(0, 200));
        assertTrue(m.startsLine(1, 100));
        assertFalse(m.startsLine(1, 200));
        assertEquals(2, m.lineStartCount(0));
        assertEquals(1, m.lineStartCount(1));
    }

    @Test
    void aNewerLineStartReplacesTheOlder() {
        m.rememberLineStart(0, 200);
        m.rememberLineStart(0, 100);
        m.rememberLineStart(0, 300);
        assertFalse(m.startsLine(0, 100));
        assertTrue(m.startsLine(0, 200) && m.startsLine(0, 300));
    }

    @Test
    void anOlderLineStartIsIgnored() {
        m.rememberLineStart(0, 200);
        m.rememberLineStart(0, 300);
        m.rememberLineStart(0, 100);
        assertFalse(m.startsLine(0, 100));
        assertTrue(m.startsLine(0, 200) && m.startsLine(0, 300));
    }

    @Test
    void sequenceNumbersWrapAround() {
        m.rememberLineStart(0, 0xfffffff0);
        m.rememberLineStart(0, 0xfffffff8);
        m.rememberLineStart(0, 0x10);
        assertFalse(m.startsLine(0, 0xfffffff0));
        assertTrue(m.startsLine(0, 0x10));
    }

    @Test
    void pickupLetsOneUnprovenSegmentPerDirectionBeRead() {
        assertFalse(m.takePickup(0));
        m.pickUp();
        assertTrue(m.takePickup(0));
        assertFalse(m.takePickup(0));
        assertTrue(m.takePickup(1));
    }

    @Test
    void aPickedUpConnectionHasItsFirstCommandRead() {
        FtpRig rig = new FtpRig();
        FtpRig.Session s = rig.new Session("198.51.100.10", 54686, "203.0.113.10", 21).handshake();
        ((FtpMaster) s.ct.helperData()).pickUp();
        s.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals(1, rig.expectations().size());
        rig.net.table().deleteExpectations(null);
        s.clientAt(s.cseq - 10, "PORT 198,51,100,10,156,167\r\n");
        assertEquals(List.of(), rig.expectations(), "only once");
    }
}
