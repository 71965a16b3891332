package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.CI;
import static org.conntrack4j.proto.tcp.TcpLab.SI;
import static org.conntrack4j.proto.tcp.TcpLab.sackBlocks;
import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/** {@code nf_ct_seq_adjust}: sequence, acknowledgement and SACK rewriting with checksum updates. */
class TcpSeqAdjustTest {
    private static final int DATAOFF = 20;

    private final TcpLab lab = new TcpLab().handshake();
    private final Connection ct = lab.conn();

    private Packet packet(boolean fromClient, TcpLab.Seg s) {
        byte[] ip = lab.build(fromClient, s);
        Packet p = new Packet().load(ip, 0, ip.length, 0);
        IpHeaders.validate(p);
        return p;
    }

    private boolean adjust(Packet p, int ctinfo) {
        return lab.tracker.seqAdjust(lab.net, ct, p, DATAOFF, ctinfo);
    }

    private static void assertChecksumValid(Packet p) {
        assertTrue(Checksum.l4Valid(p, DATAOFF, IpProto.TCP), "TCP checksum after rewriting");
    }

    @Test
    void withoutAdjustment_nothingChanges() {
        Packet p = packet(true, seg("PA", CI + 1, SI + 1).data(10));
        byte[] before = p.toBytes();
        assertTrue(adjust(p, CtInfo.ESTABLISHED));
        assertArrayEquals(before, p.toBytes());
    }

    @Test
    void sequenceAfterTheCorrection_isShiftedByItsDirectionsOffset_atTheCorrection_byTheEarlierOne() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 21, 2);
        assertTrue(ct.hasStatus(Status.SEQ_ADJUST));

        Packet at = packet(true, seg("PA", CI + 21, SI + 1).data(10));
        assertTrue(adjust(at, CtInfo.ESTABLISHED));
        assertEquals(CI + 26, at.u32(DATAOFF + 4), "at the last correction: the offset before it");
        assertChecksumValid(at);

        Packet later = packet(true, seg("PA", CI + 31, SI + 1).data(10));
        assertTrue(adjust(later, CtInfo.ESTABLISHED));
        assertEquals(CI + 38, later.u32(DATAOFF + 4));
        assertEquals(SI + 1, later.u32(DATAOFF + 8), "no adjustment in the reply direction");
        assertChecksumValid(later);
    }

    @Test
    void acknowledgement_isShiftedBackByTheOtherDirectionsOffset() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        Packet ack = packet(false, seg("A", SI + 1, CI + 16));
        assertTrue(adjust(ack, CtInfo.ESTABLISHED_REPLY));
        assertEquals(SI + 1, ack.u32(DATAOFF + 4));
        assertEquals(CI + 11, ack.u32(DATAOFF + 8));
        assertChecksumValid(ack);

        // An acknowledgement of data before the correction takes the offset before it (here none).
        Packet old = packet(false, seg("A", SI + 1, CI + 1));
        assertTrue(adjust(old, CtInfo.ESTABLISHED_REPLY));
        assertEquals(CI + 1, old.u32(DATAOFF + 8));
    }

    @Test
    void bothDirectionsAdjusted_shiftSequenceAndAcknowledgementTogether() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED_REPLY, SI + 1, -3);
        Packet p = packet(false, seg("PA", SI + 11, CI + 16).data(4));
        assertTrue(adjust(p, CtInfo.ESTABLISHED_REPLY));
        assertEquals(SI + 8, p.u32(DATAOFF + 4));
        assertEquals(CI + 11, p.u32(DATAOFF + 8));
        assertChecksumValid(p);
    }

    @Test
    void sackEdges_areShiftedBackLikeAcknowledgements() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        Packet p = packet(false, seg("A", SI + 1, CI + 16).opts(sackBlocks(CI + 26, CI + 36, CI + 46, CI + 56)));
        assertTrue(adjust(p, CtInfo.ESTABLISHED_REPLY));
        int opt = DATAOFF + 20 + 4;
        assertEquals(CI + 21, p.u32(opt));
        assertEquals(CI + 31, p.u32(opt + 4));
        assertEquals(CI + 41, p.u32(opt + 8));
        assertEquals(CI + 51, p.u32(opt + 12));
        assertChecksumValid(p);
    }

    @Test
    void withoutAckFlag_onlyTheSequenceIsTouched() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED_REPLY, SI + 1, 7);
        Packet p = packet(true, seg("R", CI + 11, SI + 100));
        assertTrue(adjust(p, CtInfo.ESTABLISHED));
        assertEquals(CI + 16, p.u32(DATAOFF + 4));
        assertEquals(SI + 100, p.u32(DATAOFF + 8));
        assertChecksumValid(p);
    }

    @Test
    void malformedOption_dropsThePacket() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        // An option claiming 30 bytes in an 8-byte option area.
        Packet p = packet(false, seg("A", SI + 1, CI + 16).opts(new byte[] {1, 1, 5, 30, 0, 0, 0, 0}));
        assertFalse(adjust(p, CtInfo.ESTABLISHED_REPLY));
    }

    @Test
    void theEngineAppliesItOnTheWayOut() {
        lab.net.services().seqAdjSet(ct, CtInfo.ESTABLISHED, CI + 1, 5);
        lab.client(seg("PA", CI + 11, SI + 1).data(10));
        assertEquals(CI + 16, lab.pkt.u32(DATAOFF + 4));
        assertChecksumValid(lab.pkt);
    }
}
