package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SeqAdjImplTest {
    @Test
    void offsetsApplyAfterTheCorrectionPositionOnly() {
        SeqAdjImpl s = new SeqAdjImpl();
        s.set(0, 1000, 3);
        assertEquals(0, s.offset(0, 1000), "the rewritten segment itself keeps the old offset");
        assertEquals(3, s.offset(0, 1001));
        assertEquals(0, s.offset(1, 5000), "the other direction is unaffected");
        s.set(0, 2000, -1);
        assertEquals(3, s.offset(0, 1500));
        assertEquals(2, s.offset(0, 2001));
    }

    @Test
    void aRetransmittedRewriteIsNotCountedTwice() {
        SeqAdjImpl s = new SeqAdjImpl();
        s.set(0, 1000, 3);
        s.set(0, 1000, 3);
        assertEquals(3, s.offset(0, 1001));
    }

    @Test
    void sequenceComparisonWrapsAround() {
        SeqAdjImpl s = new SeqAdjImpl();
        s.set(0, 0xfffffff0, 5);
        assertEquals(5, s.offset(0, 0x10));
        assertEquals(0, s.offset(0, 0xffffff00));
    }
}
