package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpStateTable.ACK_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.CLOSE;
import static org.conntrack4j.proto.tcp.TcpStateTable.CLOSE_WAIT;
import static org.conntrack4j.proto.tcp.TcpStateTable.ESTABLISHED;
import static org.conntrack4j.proto.tcp.TcpStateTable.FIN_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.FIN_WAIT;
import static org.conntrack4j.proto.tcp.TcpStateTable.IGNORE;
import static org.conntrack4j.proto.tcp.TcpStateTable.INVALID;
import static org.conntrack4j.proto.tcp.TcpStateTable.LAST_ACK;
import static org.conntrack4j.proto.tcp.TcpStateTable.NONE_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.RST_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYNACK_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_RECV;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SENT;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SENT2;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.TIME_WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The transition table row by row, each test named after the transitions of its row. Columns in every
 * expected row: NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
 * SYN_SENT2.
 */
class TcpStateTableTest {
    private static final int O = 0;
    private static final int R = 1;
    private static final int NO = TcpStateTable.NONE;
    private static final int SS = SYN_SENT;
    private static final int SR = SYN_RECV;
    private static final int ES = ESTABLISHED;
    private static final int FW = FIN_WAIT;
    private static final int CW = CLOSE_WAIT;
    private static final int LA = LAST_ACK;
    private static final int TW = TIME_WAIT;
    private static final int CL = CLOSE;
    private static final int S2 = SYN_SENT2;
    private static final int IV = INVALID;
    private static final int IG = IGNORE;

    private static int[] row(int dir, int index) {
        int[] r = new int[TcpStateTable.STATES];
        for (int s = 0; s < r.length; s++) {
            r[s] = TcpStateTable.next(dir, index, s);
        }
        return r;
    }

    @Test
    void originalSyn_opensFromNone_retransmitsInSynSentAndSynSent2_reopensTimeWaitAndClose_isIgnoredOtherwise() {
        assertArrayEquals(new int[] {SS, SS, IG, IG, IG, IG, IG, SS, SS, S2}, row(O, SYN_SET));
    }

    @Test
    void originalSynAck_onlyInSimultaneousOpen_leadsToSynRecv_isInvalidOtherwise() {
        assertArrayEquals(new int[] {IV, IV, SR, IV, IV, IV, IV, IV, IV, SR}, row(O, SYNACK_SET));
    }

    @Test
    void originalFin_startsCloseFromSynRecvOrEstablished_secondFinLeadsToLastAck_invalidBeforeTheAnswer() {
        assertArrayEquals(new int[] {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV}, row(O, FIN_SET));
    }

    @Test
    void originalAck_pickupFromNone_establishesFromSynRecv_closeWaitAfterFin_timeWaitAfterLastAck() {
        assertArrayEquals(new int[] {ES, IV, ES, ES, CW, CW, TW, TW, CL, IV}, row(O, ACK_SET));
    }

    @Test
    void originalRst_closesEveryStateButNone() {
        assertArrayEquals(new int[] {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL}, row(O, RST_SET));
    }

    @Test
    void originalNoFlags_isAlwaysInvalid() {
        assertArrayEquals(new int[] {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV}, row(O, NONE_SET));
    }

    @Test
    void replySyn_simultaneousOpenFromSynSent_reopensTimeWaitWithRolesSwapped_invalidOtherwise() {
        assertArrayEquals(new int[] {IV, S2, IV, IV, IV, IV, IV, SS, IV, S2}, row(R, SYN_SET));
    }

    @Test
    void replySynAck_answersSynSentAndSynSent2_isIgnoredOnceOpen() {
        assertArrayEquals(new int[] {IV, SR, IG, IG, IG, IG, IG, IG, IG, SR}, row(R, SYNACK_SET));
    }

    @Test
    void replyFin_sameAsOriginal() {
        assertArrayEquals(new int[] {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV}, row(R, FIN_SET));
    }

    @Test
    void replyAck_ignoredWhileHalfOpen_keepsSynRecv_closeWaitAfterFin_timeWaitAfterLastAck() {
        assertArrayEquals(new int[] {IV, IG, SR, ES, CW, CW, TW, TW, CL, IG}, row(R, ACK_SET));
    }

    @Test
    void replyRst_closesEveryStateButNone() {
        assertArrayEquals(new int[] {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL}, row(R, RST_SET));
    }

    @Test
    void replyNoFlags_isAlwaysInvalid() {
        assertArrayEquals(new int[] {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV}, row(R, NONE_SET));
    }

    @Test
    void packetKind_rstBeforeSynBeforeFinBeforeAck() {
        assertEquals(RST_SET, TcpStateTable.index(TcpLab.flagBits("SRA")));
        assertEquals(RST_SET, TcpStateTable.index(TcpLab.flagBits("RF")));
        assertEquals(SYNACK_SET, TcpStateTable.index(TcpLab.flagBits("SAF")));
        assertEquals(SYN_SET, TcpStateTable.index(TcpLab.flagBits("SF")));
        assertEquals(FIN_SET, TcpStateTable.index(TcpLab.flagBits("FA")));
        assertEquals(ACK_SET, TcpStateTable.index(TcpLab.flagBits("PA")));
        assertEquals(NONE_SET, TcpStateTable.index(TcpLab.flagBits("PU")));
    }

    @Test
    void validFlags_areTheKernelsNineCombinations_whateverPshEceAndCwr() {
        Set<String> valid = Set.of("S", "SU", "SA", "R", "RA", "FA", "FAU", "A", "AU");
        for (int f = 0; f < 256; f++) {
            int core = f & (0x01 | 0x02 | 0x04 | 0x10 | 0x20);
            StringBuilder name = new StringBuilder();
            for (char c : "FSRAU".toCharArray()) {
                if ((core & TcpLab.flagBits(String.valueOf(c))) != 0) {
                    name.append(c);
                }
            }
            String sorted = sortLike(name.toString());
            assertEquals(valid.contains(sorted), TcpStateTable.validFlags(f), "flags 0x" + Integer.toHexString(f));
        }
    }

    /** Orders flag letters as the valid set is written: S, F, R before A before U. */
    private static String sortLike(String letters) {
        StringBuilder sb = new StringBuilder();
        for (char c : "SFRAU".toCharArray()) {
            if (letters.indexOf(c) >= 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Test
    void namesAreTheKernels() {
        String[] names = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
            "TIME_WAIT", "CLOSE", "SYN_SENT2"};
        for (int s = 0; s < names.length; s++) {
            assertEquals(names[s], TcpStateTable.name(s));
        }
    }

    @Test
    void closingStates_mayBeEarlyDropped() {
        for (int s = 0; s < TcpStateTable.STATES; s++) {
            boolean closing = s == FW || s == CW || s == LA || s == TW || s == CL;
            assertEquals(closing, TcpStateTable.closing(s), TcpStateTable.name(s));
        }
    }
}
