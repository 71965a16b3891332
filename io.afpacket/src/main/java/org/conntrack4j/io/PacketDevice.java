package org.conntrack4j.io;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An opened network device: its identity, its link state, its queues and counters. Thread-safe except
 * for the queues (see {@link PacketQueue}). The device is tied to the interface index it had when
 * opened: when that interface is deleted (or moves to another namespace) the link state says
 * {@code present=false} and the device must be opened again.
 */
@ProviderType
public interface PacketDevice extends AutoCloseable {

    /** The Linux device name given to {@link PacketIo#open}. */
    String name();

    /** The interface index, as in {@code ip link}. */
    int ifindex();

    /** The current link state, kept up to date by the kernel's link notifications. */
    LinkState link();

    /** The hardware address (6 bytes in the low 48 bits, first byte highest); same as {@code link().mac()}. */
    default long mac() {
        return link().mac();
    }

    /** The MTU (bytes above the Ethernet header); same as {@code link().mtu()}. */
    default int mtu() {
        return link().mtu();
    }

    /** How many queues the device was opened with ({@link DeviceConfig#queues()}). */
    int queueCount();

    /** Queue {@code index}, 0 to {@code queueCount() - 1}. */
    PacketQueue queue(int index);

    /**
     * Calls {@code listener} on the device's monitor thread after every change of the link state (up,
     * running, MTU, address, presence). A listener that throws is counted in {@link DeviceStats#errors()}
     * and keeps being called.
     */
    void addLinkListener(LinkListener listener);

    /** Stops calling {@code listener}. */
    void removeLinkListener(LinkListener listener);

    /** The device's counters, summed over its queues, with the kernel's drop count read now. */
    DeviceStats stats();

    /** Stops the monitor thread, closes the sockets and unmaps the rings; idempotent. */
    @Override
    void close();
}
