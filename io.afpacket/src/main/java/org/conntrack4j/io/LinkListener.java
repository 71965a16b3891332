package org.conntrack4j.io;

import org.osgi.annotation.versioning.ConsumerType;

/** Told about link state changes of a {@link PacketDevice}, on the device's monitor thread. */
@ConsumerType
@FunctionalInterface
public interface LinkListener {

    /** The link state of {@code device} changed from {@code previous} to {@code current}. Return quickly. */
    void linkChanged(PacketDevice device, LinkState previous, LinkState current);
}
