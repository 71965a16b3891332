package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.conntrack4j.io.LinkState;
import org.junit.jupiter.api.Test;

class LinkMonitorTest {
    static final LinkState UP = new LinkState(5, true, true, 1500, 0x020000000001L, true);

    /** Appends an RTM_*LINK message for {@code ifindex} with flags, and an MTU and address attribute. */
    static int message(ByteBuffer b, int at, int type, int ifindex, int flags, int mtu, long mac) {
        int len = 16 + 16 + (mtu > 0 ? 8 : 0) + (mac >= 0 ? 12 : 0);
        b.putInt(at, len);
        b.putShort(at + 4, (short) type);
        b.putInt(at + 16 + 4, ifindex);
        b.putInt(at + 16 + 8, flags);
        int a = at + 32;
        if (mtu > 0) {
            b.putShort(a, (short) 8);
            b.putShort(a + 2, (short) LinkMonitor.IFLA_MTU);
            b.putInt(a + 4, mtu);
            a += 8;
        }
        if (mac >= 0) {
            b.putShort(a, (short) 10);
            b.putShort(a + 2, (short) LinkMonitor.IFLA_ADDRESS);
            for (int i = 0; i < 6; i++) {
                b.put(a + 4 + i, (byte) (mac >>> (40 - 8 * i)));
            }
            a += 12;
        }
        return at + len;
    }

    static ByteBuffer buffer() {
        return ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
    }

    @Test
    void newLinkForOurDeviceUpdatesFlagsMtuAndAddress() {
        ByteBuffer b = buffer();
        int end = message(b, 0, LinkMonitor.RTM_NEWLINK, 9, 0x1043, 9000, 0x0a0b0c0d0e0fL);
        end = message(b, end, LinkMonitor.RTM_NEWLINK, 5, 0x1002, 1400, 0x020000000002L);
        LinkState s = LinkMonitor.apply(b, end, 5, UP);
        assertEquals(new LinkState(5, false, false, 1400, 0x020000000002L, true), s);
        assertEquals("02:00:00:00:00:02", s.macText());
    }

    @Test
    void theLastMessageWinsAndMissingAttributesKeepTheirValues() {
        ByteBuffer b = buffer();
        int end = message(b, 0, LinkMonitor.RTM_NEWLINK, 5, 0x1002, -1, -1);
        end = message(b, end, LinkMonitor.RTM_NEWLINK, 5, 0x1043, -1, -1);
        assertEquals(UP, LinkMonitor.apply(b, end, 5, UP));
    }

    @Test
    void delLinkMarksTheDeviceGone() {
        ByteBuffer b = buffer();
        int end = message(b, 0, LinkMonitor.RTM_DELLINK, 5, 0x1043, 1500, 0x020000000001L);
        LinkState s = LinkMonitor.apply(b, end, 5, UP);
        assertFalse(s.present());
        assertFalse(s.up());
    }

    @Test
    void aTruncatedMessageEndsTheWalk() {
        ByteBuffer b = buffer();
        int end = message(b, 0, LinkMonitor.RTM_NEWLINK, 5, 0x1002, 1400, -1);
        assertSame(UP, LinkMonitor.apply(b, end - 1, 5, UP));
        b.putInt(0, 4);
        assertSame(UP, LinkMonitor.apply(b, end, 5, UP), "length shorter than a header");
    }
}
