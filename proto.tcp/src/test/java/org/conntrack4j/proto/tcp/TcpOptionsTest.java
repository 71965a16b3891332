package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/** Reading window scale, SACK-permitted and SACK blocks as the kernel's simplified option parser does. */
class TcpOptionsTest {
    private static final int DATAOFF = 20;
    private final TcpLab lab = new TcpLab();

    private Packet withOptions(byte[] opts) {
        byte[] ip = lab.build(true, seg("S", 1, 0).opts(opts));
        Packet p = new Packet().load(ip, 0, ip.length, 0);
        IpHeaders.validate(p);
        return p;
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void noOptions_leaveTheSenderAsItIs() {
        assertEquals(TcpOptions.NO_OPTIONS, TcpOptions.parse(withOptions(new byte[0]), DATAOFF));
    }

    @Test
    void linuxSynOptions_giveScaleAndSackPermitted() {
        // MSS, SACK-permitted, timestamps, NOP, window scale 7: what Linux sends.
        byte[] opts = bytes(2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7);
        int r = TcpOptions.parse(withOptions(opts), DATAOFF);
        assertEquals(7, r >>> 8);
        assertEquals(TcpProtoState.WINDOW_SCALE | TcpProtoState.SACK_PERM, r & 0xff);
    }

    @Test
    void windowScaleAbove14_isTakenAs14() {
        assertEquals(14, TcpOptions.parse(withOptions(bytes(1, 3, 3, 20)), DATAOFF) >>> 8);
    }

    @Test
    void optionsWithTheWrongLength_areNotTaken() {
        assertEquals(0, TcpOptions.parse(withOptions(bytes(4, 3, 0, 3, 4, 0)), DATAOFF));
    }

    @Test
    void parsingStopsAtEndOfListAndAtMalformedOptions() {
        assertEquals(0, TcpOptions.parse(withOptions(bytes(0, 4, 2, 0)), DATAOFF), "EOL first");
        assertEquals(0, TcpOptions.parse(withOptions(bytes(8, 1, 4, 2)), DATAOFF), "silly length 1");
        assertEquals(0, TcpOptions.parse(withOptions(bytes(1, 1, 8, 10)), DATAOFF), "option beyond the header");
        assertEquals(TcpProtoState.SACK_PERM, TcpOptions.parse(withOptions(bytes(4, 2, 0, 0, 3, 3, 7, 0)), DATAOFF),
            "what precedes EOL counts");
    }

    @Test
    void highestSack_takesTheHighestRightEdgeInSerialOrder() {
        int ack = 1000;
        byte[] sack = TcpLab.sackBlocks(1100, 1200, 0xfffffff0, 5000, 1300, 1400);
        assertEquals(5000, TcpOptions.highestSack(withOptions(sack), DATAOFF, ack));
    }

    @Test
    void highestSack_withoutBlocksOrWithOnlyTimestamps_isTheAck() {
        assertEquals(1000, TcpOptions.highestSack(withOptions(new byte[0]), DATAOFF, 1000));
        byte[] ts = bytes(1, 1, 8, 10, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff);
        assertEquals(1000, TcpOptions.highestSack(withOptions(ts), DATAOFF, 1000));
    }

    @Test
    void highestSack_ignoresBlocksOfAMalformedSackOption() {
        byte[] odd = bytes(1, 1, 5, 6, 0, 0, 0x10, 0);
        assertEquals(1000, TcpOptions.highestSack(withOptions(odd), DATAOFF, 1000));
    }
}
