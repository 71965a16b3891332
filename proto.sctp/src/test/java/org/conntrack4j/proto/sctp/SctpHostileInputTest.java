package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpLab.CTAG;
import static org.conntrack4j.proto.sctp.SctpLab.CTSN;
import static org.conntrack4j.proto.sctp.SctpLab.STAG;
import static org.conntrack4j.proto.sctp.SctpLab.STSN;
import static org.conntrack4j.proto.sctp.SctpLab.bare;
import static org.conntrack4j.proto.sctp.SctpLab.chunk;
import static org.conntrack4j.proto.sctp.SctpLab.cookieEcho;
import static org.conntrack4j.proto.sctp.SctpLab.data;
import static org.conntrack4j.proto.sctp.SctpLab.init;
import static org.conntrack4j.proto.sctp.SctpLab.initAck;
import static org.conntrack4j.proto.sctp.SctpLab.sack;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Packets built to mislead a parser: lying chunk lengths, zero-length chunks, cut headers, chunks where they may
 * not be, unknown chunk types, as many chunks as an IP packet holds, random bytes. Never an exception: the kernel's
 * verdict, and the packet counted as invalid under its reason.
 */
class SctpHostileInputTest {
    private static void assertVerdict(String expected, SctpLab.Verdict v) {
        assertEquals(expected, v.state() + "/" + v.dir(), "verdict (" + v.reason() + ")");
    }

    private static long invalid(SctpLab lab) {
        return lab.net.stats().get("invalid");
    }

    @Test
    void zeroLengthChunk_isInvalid_withTheKernelsBasicChecksLine() {
        SctpLab lab = new SctpLab().associate();
        SctpLab.Verdict v = lab.client(STAG, chunk(0, 0, new byte[12], 0));
        assertVerdict("invalid/none", v);
        assertEquals("do_basic_checks failed. chunk num 0, type 0, len 0 flag 0", v.logReason());
        assertEquals(1, invalid(lab));
        assertEquals(1L, lab.net.stats().invalidByReason().get(
            "do_basic_checks failed. chunk num, type, len flag"));
    }

    @Test
    void zeroLengthChunkAfterAGoodOne_isInvalid_andTheWalkEnds() {
        SctpLab lab = new SctpLab().associate();
        SctpLab.Verdict v = lab.client(STAG, sack(STSN), chunk(3, 0, new byte[0], 0));
        assertEquals("do_basic_checks failed. chunk num 1, type 3, len 0 flag 0", v.logReason());
    }

    @Test
    void cookieEchoNotFirst_isInvalid_andTheLengthPrintsByteSwapped() {
        SctpLab lab = new SctpLab();
        lab.client(0, init(CTAG, CTSN));
        lab.server(CTAG, initAck(STAG, STSN));
        // COOKIE ECHO of 12 bytes (0x000c) after a DATA chunk: the kernel prints the raw big-endian word, 3072
        SctpLab.Verdict v = lab.client(STAG, data(CTSN, 4), cookieEcho());
        assertVerdict("invalid/none", v);
        assertEquals("do_basic_checks failed. chunk num 1, type 10, len 3072 flag 0", v.logReason());
        assertEquals("COOKIE_WAIT 3", lab.state());
        assertVerdict("established/original", lab.client(STAG, cookieEcho(), data(CTSN, 4)));
        assertEquals("COOKIE_ECHOED 3", lab.state());
    }

    @Test
    void initBundledWithData_isInvalid_initMustBeAlone() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(0, init(CTAG, CTSN), data(CTSN, 4));
        assertVerdict("invalid/none", v);
        // DATA of 16 + 4 bytes = 20 (0x0014) prints as 5120
        assertEquals("do_basic_checks failed. chunk num 1, type 0, len 5120 flag 1", v.logReason());
        assertEquals(0, lab.net.table().count());
    }

    @Test
    void truncatedCommonHeader_isAShortPacket_andFewerThanFourBytesGiveNoTuple() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.run(lab.ip(true, new byte[] {(byte) 0x9c, 0x41, 0x0f, 0x1c, 0, 0, 0, 0}, false));
        assertVerdict("invalid/none", v);
        assertEquals("nf_ct_sctp: short packet", v.logReason());
        v = lab.run(lab.ip(true, new byte[] {(byte) 0x9c, 0x41, 0x0f}, false));
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertEquals(2, invalid(lab));
        assertEquals(0, lab.net.table().count());
    }

    @Test
    void commonHeaderWithoutChunks_isInvalidWithoutALoggedReason() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(0);
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertEquals("no chunks", v.reason());
        // two bytes after the header do not make a chunk either
        v = lab.run(lab.ip(true, Arrays.copyOf(new byte[] {(byte) 0x9c, 0x41, 0x0f, 0x1c}, 14), true));
        assertEquals("no chunks", v.reason());
    }

    @Test
    void initWithTagZero_isAcceptedAsTheKernelDoes_andTheAnswerCarriesTagZero() {
        SctpLab lab = new SctpLab();
        assertVerdict("new/original", lab.client(0, init(0, CTSN)));
        assertVerdict("established/reply", lab.server(0, initAck(STAG, STSN)));
        assertEquals("COOKIE_WAIT 3", lab.state());
    }

    @Test
    void initCutShortBeforeItsFixedPart_cannotOpen() {
        SctpLab lab = new SctpLab();
        // an INIT chunk header, then only 8 of its 16 fixed bytes
        SctpLab.Verdict v = lab.client(0, chunk(1, 0, new byte[8]));
        assertVerdict("invalid/none", v);
        assertEquals("INIT chunk cut short", v.reason());
    }

    @Test
    void initWhoseLengthRunsPastThePacket_isReadFromThePacketAsTheKernelDoes() {
        SctpLab lab = new SctpLab();
        byte[] body = ByteBuffer.allocate(16).putInt(CTAG).putInt(1).putInt(0).putInt(CTSN).array();
        assertVerdict("new/original", lab.client(0, chunk(1, 0, body, 2000)));
        assertEquals(CTAG, lab.st().vtag(1));
    }

    @Test
    void initWhoseLengthIsTooShort_makesItsBodyASecondChunk_soTheInitIsNotAlone() {
        SctpLab lab = new SctpLab();
        // length 4: the walk takes the initiate tag 0x1a2b3c4d for a chunk of type 0x1a, length 0x3c4d
        byte[] body = ByteBuffer.allocate(16).putInt(CTAG).putInt(1).putInt(0).putInt(CTSN).array();
        SctpLab.Verdict v = lab.client(0, chunk(1, 0, body, 4));
        assertVerdict("invalid/none", v);
        assertEquals("do_basic_checks failed. chunk num 1, type 26, len 19772 flag 1", v.logReason());
    }

    @Test
    void chunkLengthBeyondThePacket_endsTheWalk_andThePacketPasses() {
        SctpLab lab = new SctpLab().associate();
        byte[] lying = chunk(0, 3, new byte[16], 1000);
        assertVerdict("established/original", lab.client(STAG, lying));
        // a lying SACK followed by bytes the walk never reaches
        assertVerdict("established/original", lab.client(STAG, chunk(3, 0, new byte[12], 60000), bare(COOKIE_ACK)));
        assertEquals("ESTABLISHED 210", lab.state());
    }

    @Test
    void chunkLengthBelowItsHeader_movesOnByFourBytes() {
        SctpLab lab = new SctpLab().associate();
        // length 1 rounds up to 4: the next chunk starts right after the header
        assertVerdict("established/original", lab.client(STAG, chunk(3, 0, new byte[0], 1), sack(STSN)));
    }

    @Test
    void unknownChunkTypes_passOnAnAssociation_butCannotOpenOne() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("established/original", lab.client(STAG, chunk(0x3f, 0, new byte[4]), chunk(0xc1, 0, new byte[8])));
        assertEquals("ESTABLISHED 210", lab.state());
        lab.cport = 40009;
        SctpLab.Verdict v = lab.client(0, chunk(0xc1, 0, new byte[8]));
        assertVerdict("invalid/none", v);
        assertEquals("chunk type 193 cannot start a connection", v.reason());
    }

    @Test
    void asManyChunksAsAPacketHolds_areWalkedAndPass() {
        SctpLab lab = new SctpLab().associate();
        int n = (65535 - 20 - 12) / 4;
        byte[][] chunks = new byte[n][];
        Arrays.fill(chunks, chunk(0x3f, 0, new byte[0]));
        assertVerdict("established/original", lab.client(STAG, chunks));
        // the same with a zero-length chunk at the very end
        chunks[n - 1] = chunk(0x3f, 0, new byte[0], 0);
        SctpLab.Verdict v = lab.client(STAG, chunks);
        assertEquals("do_basic_checks failed. chunk num " + (n - 1) + ", type 63, len 0 flag 0", v.logReason());
    }

    @Test
    void randomBytesAfterAnyCommonHeader_neverThrow_andEveryPacketIsCounted() {
        SctpLab lab = new SctpLab().associate();
        Random r = new Random(132);
        int packets = 3000;
        long before = invalid(lab);
        int accepted = 0;
        for (int i = 0; i < packets; i++) {
            byte[] l4 = new byte[12 + r.nextInt(200)];
            r.nextBytes(l4);
            // the association's ports, and now and then its tag, so that the chunk loop is reached
            ByteBuffer.wrap(l4).putShort((short) SctpLab.CPORT).putShort((short) SctpLab.SPORT)
                .putInt(r.nextBoolean() ? STAG : r.nextInt());
            SctpLab.Verdict v = lab.run(lab.ip(true, l4, r.nextInt(10) != 0));
            accepted += v.state().equals("established") ? 1 : 0;
        }
        assertEquals(packets - accepted, invalid(lab) - before);
        assertTrue(accepted > 0 && accepted < packets, accepted + " of " + packets + " accepted");
    }
}
