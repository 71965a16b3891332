package org.conntrack4j.io;

import org.osgi.annotation.versioning.ProviderType;

/** Opens Linux network devices for packet I/O; registered as an OSGi service by the I/O bundle. */
@ProviderType
public interface PacketIo {

    /**
     * Opens the device {@code name} in the calling thread's network namespace. The device may be down (a
     * standby): its queues then receive nothing and send nothing until the link is up.
     *
     * @throws PacketIoException one line naming the device and the failure (no such device, not
     *     permitted, out of memory for the rings, ...)
     */
    PacketDevice open(String name, DeviceConfig config) throws PacketIoException;
}
