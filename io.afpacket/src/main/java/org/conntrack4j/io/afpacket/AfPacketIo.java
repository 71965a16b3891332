package org.conntrack4j.io.afpacket;

import com.sun.jna.Platform;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.PacketDevice;
import org.conntrack4j.io.PacketIo;
import org.conntrack4j.io.PacketIoException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The {@link PacketIo} service: opens devices with AF_PACKET sockets and PACKET_MMAP rings. Devices opened
 * through the service are closed when it is deactivated (the bundle stops), so no socket or ring outlives
 * the bundle.
 */
@Component(service = PacketIo.class, immediate = true)
public final class AfPacketIo implements PacketIo {

    private final List<PacketDevice> opened = new ArrayList<>();
    private boolean deactivated;
    private boolean supported;

    public AfPacketIo() {
        activate();
    }

    /**
     * Learns whether this is a platform AF_PACKET works on. Loading a JNA class here also activates the JNA
     * bundle, whose activation policy is lazy, when this one starts (instead of at the first open).
     */
    @Activate
    void activate() {
        supported = Platform.isLinux() && Platform.is64Bit();
    }

    @Override
    public PacketDevice open(String name, DeviceConfig config) throws PacketIoException {
        if (!supported) {
            throw new PacketIoException(name, 0, name + ": AF_PACKET needs 64-bit Linux, this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        AfPacketDevice device = AfPacketDevice.open(name, config);
        synchronized (opened) {
            if (deactivated) {
                device.close();
                throw new PacketIoException(name, 0, name + ": the packet I/O service has stopped");
            }
            opened.removeIf(d -> ((AfPacketDevice) d).isClosed());
            opened.add(device);
        }
        return device;
    }

    @Deactivate
    void deactivate() {
        List<PacketDevice> all;
        synchronized (opened) {
            deactivated = true;
            all = new ArrayList<>(opened);
            opened.clear();
        }
        all.forEach(PacketDevice::close);
    }

    /** One line: {@code DEVICE: WHAT: strerror (ENAME)}. */
    static PacketIoException failure(String device, String what, int errno) {
        return new PacketIoException(device, errno, device + ": " + what + ": " + LibC.describe(errno));
    }
}
