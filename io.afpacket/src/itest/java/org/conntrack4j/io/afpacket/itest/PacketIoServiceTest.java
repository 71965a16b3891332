package org.conntrack4j.io.afpacket.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.PacketIo;
import org.conntrack4j.io.PacketIoException;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;

/** The I/O bundle in the shipped runtime: its service is there and JNA's native library loads under Felix. */
class PacketIoServiceTest {
    @InjectService
    PacketIo io;

    @Test
    void openingAMissingDeviceGoesThroughJnaToTheKernelsAnswer() {
        PacketIoException e = assertThrows(PacketIoException.class, () -> io.open("ct4j-none9", DeviceConfig.DEFAULT));
        assertEquals("ct4j-none9: no such device (ENODEV)", e.getMessage());
    }
}
