package org.conntrack4j.helper.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.conntrack4j.core.api.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finding a DCC offer in a segment as {@code nf_conntrack_irc}'s help and parse_dcc find it: where the kernel looks,
 * what it skips, how it reads numbers, and where it gives up.
 */
class IrcDccTest {
    /** 198.51.100.10 as an unsigned decimal number. */
    private static final String CLIENT = "3325256714";

    private static IrcDcc find(String payload) {
        Packet p = IrcLab.tcp(IrcLab.CLIENT, 40000, IrcLab.SERVER, 6667, 1, 1, IrcLab.PSH_ACK, payload);
        return IrcDcc.find(p, 40, p.length());
    }

    /** The offer's address, port and text as {@code ADDRESS PORT [text]}. */
    private static String offer(String payload) {
        Packet p = IrcLab.tcp(IrcLab.CLIENT, 40000, IrcLab.SERVER, 6667, 1, 1, IrcLab.PSH_ACK, payload);
        IrcDcc d = IrcDcc.find(p, 40, p.length());
        if (d == IrcDcc.NONE || d == IrcDcc.UNREADABLE) {
            return d == IrcDcc.NONE ? "none" : "unreadable";
        }
        byte[] text = new byte[d.textEnd - d.textStart];
        p.copyOut(d.textStart, text, 0, text.length);
        return d.address + " " + d.port + " [" + new String(text, java.nio.charset.StandardCharsets.ISO_8859_1) + "]";
    }

    @Test
    void aSendOfferGivesAddressPortAndTheTextToRewrite() {
        assertEquals(CLIENT + " 5000 [" + CLIENT + " 5000]",
            offer("PRIVMSG bob :\1DCC SEND notes.txt " + CLIENT + " 5000 1024\1\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CHAT chat", "MOVE f", "TSEND f", "SCHAT chat", "SEND f"})
    void theFiveTypesThatCarryAnAddress(String typeAndWord) {
        assertEquals(CLIENT + " 5001 [" + CLIENT + " 5001]",
            offer("PRIVMSG bob :\1DCC " + typeAndWord + " " + CLIENT + " 5001\1\n"));
    }

    @Test
    void blanksBeforeAndAnyCaseOfPrivmsg() {
        assertEquals(CLIENT + " 5002 [" + CLIENT + " 5002]",
            offer("\r\n  privMSG bob :\1DCC SEND f " + CLIENT + " 5002 1\1\r\n"));
        // several blanks between address and port belong to the rewritten text
        assertEquals(CLIENT + " 5003 [" + CLIENT + "   5003]",
            offer("PRIVMSG bob :\1DCC SEND f " + CLIENT + "   5003 1\1\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOTICE bob :\1DCC SEND f 3325256714 5004 1\1\r\n",
        "PRIVMSGbob :\1DCC SEND f 3325256714 5004 1\1\r\n",
        "PRIVMSG bob :hello :\1DCC SEND f 3325256714 5004 1\1\r\n",
        "PRIVMSG bob :\1DCC RESUME f 5004 0\1\r\n",
        "PRIVMSG bob :\1dcc SEND f 3325256714 5004 1\1\r\n",
        "PRIVMSG bob :\1DCC send f 3325256714 5004 1\1\r\n",
        "PRIVMSG x :\1DCC SEND\r\n", "PRIVMSG", ""})
    void whatIsNotAnOffer(String payload) {
        assertSame(IrcDcc.NONE, find(payload));
    }

    @Test
    void anUnknownTypeLetsTheScanGoOnToTheNextRequest() {
        assertEquals(CLIENT + " 5005 [" + CLIENT + " 5005]",
            offer("PRIVMSG bob :\1DCC RESUME f 5004 0\1 :\1DCC SEND f " + CLIENT + " 5005 1\1\r\n"));
    }

    @Test
    void onlyTheFirstOfferOfASegmentCounts() {
        assertEquals(CLIENT + " 5006 [" + CLIENT + " 5006]", offer("PRIVMSG bob :\1DCC SEND f " + CLIENT
            + " 5006 1\1\r\nPRIVMSG bob :\1DCC SEND g " + CLIENT + " 5007 1\1\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRIVMSG bob :\1DCC SEND f 3325256714 5008 1\1",
        "PRIVMSG bob :\1DCC SEND averyveryverylongfilenamewithoutanyspaceatallxx\n"})
    void anOfferWithoutLineEndOrRoomAfterTheNameIsUnreadable(String payload) {
        assertSame(IrcDcc.UNREADABLE, find(payload));
    }

    @Test
    void numbersAreReadAsSimpleStrtoulReadsThem() {
        // beyond 32 bits: the low 32 bits (99999999999 - 23 * 2^32)
        assertEquals("1215752191 5009 [99999999999 5009]", offer("PRIVMSG bob :\1DCC SEND f 99999999999 5009 1\1\n"));
        // beyond 64 bits the reading wraps: 2^64 + 5 reads as 5
        assertEquals("5 5010 [18446744073709551621 5010]",
            offer("PRIVMSG bob :\1DCC SEND f 18446744073709551621 5010 1\1\n"));
        // ports keep their low 16 bits
        assertEquals(CLIENT + " 1 [" + CLIENT + " 65537]", offer("PRIVMSG bob :\1DCC SEND f " + CLIENT + " 65537 1\1\n"));
        assertEquals(CLIENT + " 0 [" + CLIENT + " 65536]", offer("PRIVMSG bob :\1DCC SEND f " + CLIENT + " 65536 1\1\n"));
        // no digits: 0, and the text is empty where the number should be
        assertEquals("0 0 []", offer("PRIVMSG bob :\1DCC SEND longname.txt -1 -2 1024000\1\n"));
        assertEquals(CLIENT + " 0 [" + CLIENT + " ]", offer("PRIVMSG bob :\1DCC SEND f " + CLIENT + " x 1\1\n"));
    }

    @Test
    void onlyTheFirst4095BytesOfAPayloadAreLookedAt() {
        String pad = ":" + "x".repeat(4000);
        String dcc = "PRIVMSG bob " + pad + " :\1DCC SEND f " + CLIENT + " 5011 1\1\n";
        // the first " :" is "x..." (no DCC): nothing; a DCC whose line end lies beyond byte 4095 is unreadable
        assertSame(IrcDcc.NONE, find(dcc));
        // the name ends at byte 4080 of the payload: the numbers start within the 4083 the kernel requires, the line
        // end (byte 4099) lies beyond what it copies
        String late = "PRIVMSG bob :\1DCC SEND " + "n".repeat(4056) + " " + CLIENT + " 5012 1\1\n";
        assertSame(IrcDcc.UNREADABLE, find(late));
        String fits = "PRIVMSG bob :\1DCC SEND " + "n".repeat(4000) + " " + CLIENT + " 5013 1\1\n";
        assertEquals(CLIENT + " 5013 [" + CLIENT + " 5013]", offer(fits));
    }
}
