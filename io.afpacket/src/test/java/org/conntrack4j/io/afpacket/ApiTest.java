package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.*;

import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.FrameBatch;
import org.junit.jupiter.api.Test;

class ApiTest {
    @Test
    void batchSlotsAndCommit() {
        FrameBatch b = new FrameBatch(2, 128);
        assertEquals(256, b.buffer().length);
        assertEquals(0, b.add(new byte[60], 0, 60));
        assertEquals(128, b.offset(1));
        assertEquals(-1, b.add(new byte[200], 0, 200), "longer than a slot");
        assertEquals(1, b.commit(100, 7, FrameBatch.PACKET_BROADCAST));
        assertTrue(b.isFull());
        assertEquals(-1, b.add(new byte[60], 0, 60));
        assertThrows(IndexOutOfBoundsException.class, () -> b.commit(10, 0, 0));
        assertEquals(7, b.timestamp(1));
        assertEquals(FrameBatch.PACKET_BROADCAST, b.packetType(1));
        b.setLength(0, 128);
        assertThrows(IndexOutOfBoundsException.class, () -> b.setLength(0, 129));
        b.clear();
        assertEquals(0, b.count());
    }

    @Test
    void configRefusesValuesOutOfRangeByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceConfig.DEFAULT.withRxRing(128 * 1024 + 100, 4, 1));
        assertTrue(e.getMessage().contains("rxBlockSize"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceConfig.DEFAULT.withQueues(0));
        assertEquals(3, DeviceConfig.DEFAULT.withQueues(3).queues());
    }

    @Test
    void failuresAreOneLineWithTheErrnoName() {
        String m = AfPacketIo.failure("lan0", "socket(AF_PACKET)", 1).getMessage();
        assertEquals("lan0: socket(AF_PACKET): Operation not permitted (EPERM)", m);
    }
}
