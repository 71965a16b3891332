package org.conntrack4j.sync.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.conntrack4j.sync.Vectors;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.wire.RecvStats;
import org.junit.jupiter.api.Test;

/**
 * Malformed input is dropped and counted under conntrackd's counters, and nothing a peer sends makes the
 * node throw.
 */
class BadInputTest {
    static final String CONF = """
            Sync {
                Mode NOTRACK {
                }
                UDP {
                    IPv4_address 192.0.2.1
                    IPv4_Destination_Address 192.0.2.2
                    Port 3780
                    Interface sync0
                }
            }
            """;
    // a recorded CT_NEW (UDP with SNAT) from the ftfw scenario's router
    static final String GOOD = "100000446b163ddd000c0000c6336402cb00710200080005000001980005000211000000000800038a95"
            + "1388000800060000001e000800070000002a0008000ccb007101";

    long now = 1_000_000_000_000L;

    SyncNode node() throws Exception {
        SyncConfig cfg = ConfParser.parse("t.conf", CONF);
        return new SyncNode(cfg, List.of(new FakeLink(1472)), null, () -> now, new Random(1), m -> { });
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    void feed(SyncNode n, byte[] d) {
        n.received(0, d, 0, d.length);
        n.runPending();
    }

    @Test
    void theGoodMessageIsTaken() throws Exception {
        SyncNode n = node();
        feed(n, hex(GOOD));
        assertEquals(1, n.externalConnections().size());
        assertEquals(0, n.recvStats().malformed);
    }

    @Test
    void truncatedHeaderIsCountedAsTruncated() throws Exception {
        SyncNode n = node();
        feed(n, hex("100000"));
        RecvStats s = n.recvStats();
        assertEquals(1, s.malformed);
        assertEquals(1, s.truncated);
    }

    @Test
    void lengthBeyondTheDatagramIsABadSize() throws Exception {
        SyncNode n = node();
        byte[] d = hex(GOOD);
        feed(n, java.util.Arrays.copyOf(d, d.length - 8)); // the header still says 0x44
        assertEquals(1, n.recvStats().badSize);
        feed(n, hex("10000000" + "00000001")); // length 0
        assertEquals(2, n.recvStats().badSize);
        feed(n, hex("1a080008" + "00000001" + "0000000000000000")); // an ACK saying it is shorter than its header
        assertEquals(3, n.recvStats().badSize);
        assertEquals(0, n.externalConnections().size());
    }

    @Test
    void wrongVersionIsCountedAndTheNextMessageStillRead() throws Exception {
        SyncNode n = node();
        byte[] bad = hex(GOOD);
        bad[0] = 0x20; // version 2
        byte[] both = new byte[bad.length * 2];
        System.arraycopy(bad, 0, both, 0, bad.length);
        System.arraycopy(hex(GOOD), 0, both, bad.length, bad.length);
        feed(n, both);
        assertEquals(1, n.recvStats().badVersion);
        assertEquals(1, n.externalConnections().size());
    }

    @Test
    void unknownAttributeMakesThePayloadMalformed() throws Exception {
        SyncNode n = node();
        // the mark attribute's type 7 changed to 40, beyond NTA_MAX: conntrackd rejects the whole message
        feed(n, hex(GOOD.replace("000800070000002a", "000800280000002a")));
        assertEquals(1, n.recvStats().badPayload);
        assertEquals(0, n.externalConnections().size());
    }

    @Test
    void attributeOfTheWrongSizeOrOverItsMaximumIsMalformed() throws Exception {
        SyncNode n = node();
        // STATUS (4 bytes) announced as 5
        feed(n, hex(GOOD.replace("0008000500000198", "0009000500000198")));
        // a helper name attribute of 20 bytes (over NFCT_HELPER_NAME_MAX 16)
        String helper = "0014001b" + "41".repeat(15) + "00";
        String msg = GOOD.substring(0, 4) + String.format("%04x", GOOD.length() / 2 + 20) + GOOD.substring(8)
                + helper;
        feed(n, hex(msg));
        assertEquals(2, n.recvStats().badPayload);
        assertEquals(0, n.externalConnections().size());
    }

    @Test
    void badTypeAndBadHeaderAreCounted() throws Exception {
        SyncNode n = node();
        feed(n, hex("16000008" + "00000001")); // type 6 with no flags: neither state nor control
        feed(n, hex("1a000008" + "00000002")); // a control message without a flag it knows
        // NOTRACK judges the header first: both are bad headers to it (conntrackd's digest_msg)
        assertEquals(2, n.recvStats().badHeader);
        assertEquals(2, n.recvStats().malformed);
    }

    @Test
    void oversizedDatagramIsTakenMessageByMessage() throws Exception {
        SyncNode n = node();
        byte[] big = new byte[65000];
        new Random(3).nextBytes(big);
        feed(n, big);
        assertTrue(n.recvStats().malformed >= 1);
    }

    /** Every recorded message, damaged at random in thousands of ways, never makes the node throw. */
    @Test
    void damagedRecordedMessagesNeverThrow() throws Exception {
        SyncNode n = node();
        Random r = new Random(42);
        List<Vectors.Datagram> wire = Vectors.wire("ftfw");
        long before = n.recvStats().malformed;
        for (int round = 0; round < 20; round++) {
            for (Vectors.Datagram g : wire) {
                byte[] d = g.payload().clone();
                switch (r.nextInt(4)) {
                    case 0 -> d[r.nextInt(d.length)] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> d = java.util.Arrays.copyOf(d, r.nextInt(d.length + 1));
                    case 2 -> {
                        for (int k = 0; k < 4; k++) {
                            d[r.nextInt(d.length)] = (byte) r.nextInt(256);
                        }
                    }
                    default -> {
                        int at = 4 + r.nextInt(Math.max(1, d.length - 4));
                        if (at + 1 < d.length) {
                            d[at] = (byte) 0xff; // an attribute length or type out of range
                        }
                    }
                }
                feed(n, d);
            }
        }
        assertTrue(n.recvStats().malformed > before, "damage was noticed");
    }
}
