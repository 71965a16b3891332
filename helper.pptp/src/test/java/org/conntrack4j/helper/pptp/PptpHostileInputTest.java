package org.conntrack4j.helper.pptp;

import static org.conntrack4j.helper.pptp.PptpRig.PAC;
import static org.conntrack4j.helper.pptp.PptpRig.PNS;
import static org.conntrack4j.helper.pptp.PptpRig.ROUTER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input meant to abuse the helper, with Linux's answers: what is not a whole control message of a type valid in the
 * session's state is passed unread and unchanged (counted); the helper never drops a segment of its own accord and
 * never throws; call IDs used again behave as Linux's single-call bookkeeping makes them; floods keep at most two
 * expectations and two key map entries per control connection, and the expectation table's limit holds.
 */
class PptpHostileInputTest {
    private final PptpRig rig = new PptpRig(true);
    private final PptpRig.Session s = rig.new Session(PNS, 41723, PAC).start();

    private long counter(String name) {
        return rig.helper.counters().get(name);
    }

    /** The message types that have a fixed part, and its length. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15})
    void aMessageShorterThanItsTypeIsNotRead(int type) {
        byte[] body = new byte[Pptp.BODY_SIZE[type] - 1];
        Arrays.fill(body, (byte) 0x41);
        byte[] msg = PptpRig.message(type, body);
        PptpRig.Result r = type % 2 == 1 && type != 9 && type != 11 && type != 13 ? s.pns(msg) : s.pac(msg);
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(1, counter("too_short"));
        assertEquals(0x4141, r.callId(0), "passed unchanged");
        assertEquals(PptpMaster.SESSION_CONFIRMED, s.master().sstate);
    }

    @Test
    void aSegmentWithLessThanTheHeadersIsNotRead() {
        byte[] cut = Arrays.copyOf(PptpRig.ocrq(257), 10);
        assertEquals(Verdict.ACCEPT, s.pns(cut).verdict);
        assertEquals(1, counter("too_short"));
        assertEquals(Verdict.ACCEPT, s.pns(new byte[5]).verdict, "not even a PPTP header: a pure fragment of one");
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate);
    }

    @Test
    void anOversizedMessageIsReadByItsFixedPart() {
        byte[] big = PptpRig.message(Pptp.OUT_CALL_REQUEST, PptpRig.body(1200, 257, 1));
        PptpRig.Result r = s.pns(big);
        assertEquals(41723, r.callId(Pptp.CALL_ID), "read and rewritten as usual");
        assertEquals(1212, r.out.length - 40, "nothing else changed");
    }

    @Test
    void aWrongMagicCookieOrPacketTypeIsNotAControlMessage() {
        byte[] body = PptpRig.body(156, 257, 1);
        assertEquals(257, s.pns(PptpRig.message(Pptp.OUT_CALL_REQUEST, body, 1, 0xdeadbeef)).callId(Pptp.CALL_ID));
        assertEquals(257, s.pns(PptpRig.message(Pptp.OUT_CALL_REQUEST, body, 2, Pptp.MAGIC_COOKIE)).callId(0));
        assertEquals(2, counter("not_control"));
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 200, 0xffff})
    void anUnknownMessageTypeIsInvalidAndPassesUnchanged(int type) {
        byte[] msg = PptpRig.message(type, PptpRig.body(40, 257, 258));
        assertArrayEquals(Arrays.copyOf(msg, 16), Arrays.copyOfRange(payload(s.pns(msg).out), 0, 16));
        s.pac(msg);
        assertEquals(2, counter("invalid"));
    }

    @Test
    void messagesOfTheOtherSideAreInvalid() {
        s.pac(PptpRig.ocrq(257));
        s.pns(PptpRig.ocrp(16385, 257, 1));
        s.pns(PptpRig.cdn(16385));
        assertEquals(3, counter("invalid"));
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void aDisconnectWithoutACallIsHarmless() {
        assertEquals(Verdict.ACCEPT, s.pac(PptpRig.cdn(4242)).verdict);
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void aCallIdUsedAgainAfterItsDisconnectMakesANewCall() {
        s.call(257, 16385);
        rig.forward(PptpRig.gre(PNS, PAC, 16385));
        rig.forward(PptpRig.gre(PAC, ROUTER, 41723));
        s.pns(PptpRig.ccrq(257));
        s.pac(PptpRig.cdn(16385));
        assertEquals(List.of(), rig.gre());
        assertEquals(41723, s.call(257, 16385), "the same translated call ID");
        assertEquals(2, rig.expectations().size());
        assertEquals("related", rig.forward(PptpRig.gre(PNS, PAC, 16385)).state, "a new connection of the old tuples");
    }

    @Test
    void aFloodOfCallRepliesKeepsTwoExpectationsAndTwoKeysPerSession() {
        s.pns(PptpRig.ocrq(257));
        for (int i = 0; i < 500; i++) {
            s.pac(PptpRig.ocrp(16385 + i, 41723, 1));
        }
        assertTrue(rig.expectations().size() <= 2, rig.expectations().toString());
        assertEquals(499, counter("expect_failed"), "every call after the first is refused by the key map");
        GreKeymap keymap = rig.net.services().extension(GreKeymap.class);
        assertTrue(keymap.toString().contains("2 entries of 1 masters"), keymap.toString());
    }

    @Test
    void aFloodOfSessionsMeetsTheExpectationLimit() {
        rig.net.settings().set("nf_conntrack_expect_max", 6);
        for (int i = 0; i < 10; i++) {
            PptpRig.Session t = rig.new Session(PNS, 42000 + i, PAC).start();
            t.call(257, 16385 + i);
        }
        assertEquals(6, rig.expectations().size(), "three calls fit");
        assertEquals(7, counter("expect_failed"));
        GreKeymap keymap = rig.net.services().extension(GreKeymap.class);
        assertTrue(keymap.toString().contains("6 entries"), keymap.toString());
    }

    /** Random bytes behind valid headers, every type, both ways, under masquerade: never an exception, never a drop. */
    @Test
    void randomMessagesNeverBreakTheHelper() {
        Random rnd = new Random(1723);
        for (int i = 0; i < 3000; i++) {
            int type = rnd.nextInt(18);
            byte[] body = new byte[rnd.nextInt(260)];
            rnd.nextBytes(body);
            byte[] msg = rnd.nextInt(10) == 0 ? body : PptpRig.message(type, body);
            PptpRig.Result r = rnd.nextBoolean() ? s.pns(msg) : s.pac(msg);
            assertEquals(Verdict.ACCEPT, r.verdict, "message " + i);
            if (rnd.nextInt(20) == 0) {
                rig.forward(PptpRig.gre(rnd.nextBoolean() ? PNS : PAC, rnd.nextBoolean() ? PAC : ROUTER,
                    rnd.nextInt(0x10000)));
            }
        }
        assertTrue(rig.expectations().size() <= 2);
        assertTrue(rig.net.services().extension(GreKeymap.class).toString().matches("GreKeymap\\[[0-2] entries.*"));
    }

    private static byte[] payload(byte[] ip) {
        int l4 = (ip[0] & 0x0f) * 4;
        int off = l4 + ((ip[l4 + 12] & 0xf0) >>> 2);
        return Arrays.copyOfRange(ip, off, ip.length);
    }
}
