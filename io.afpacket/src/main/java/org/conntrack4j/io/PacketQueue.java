package org.conntrack4j.io;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One receive ring and one transmit ring on a device. Used by one thread at a time (the receiving and
 * sending sides may have one thread each). Nothing here throws on the packet path: what goes wrong is
 * counted in {@link DeviceStats}. Neither receiving nor sending allocates.
 */
@ProviderType
public interface PacketQueue {

    /** This queue's index in its device. */
    int index();

    /**
     * Clears {@code batch} and fills it with the frames that are ready, up to its capacity, waiting up to
     * {@code timeoutMillis} when none is (0: do not wait; negative: wait until a frame comes or the device
     * is closed).
     *
     * @return the number of frames now in the batch (0 when the wait ended without any), or -1 once the
     *     device is closed
     */
    int receive(FrameBatch batch, int timeoutMillis);

    /**
     * Copies one frame into the transmit ring. It leaves with the next {@link #flush()}; a frame that
     * finds the ring full, is larger than the ring's slots or the device's MTU allows, or shorter than an
     * Ethernet header, is dropped and counted.
     *
     * @return true if queued, false if dropped
     */
    boolean send(byte[] frame, int offset, int length);

    /**
     * Sends a frame that may be a super-frame: with {@code gsoSize > 0}, a TCP or UDP packet whose payload
     * is to leave in segments of {@code gsoSize} bytes, as the kernel's GSO cuts them. On a queue opened with
     * {@link DeviceConfig#gso} it goes to the kernel whole, before the frames queued so far, with a
     * virtio_net_hdr saying so (the device, or the kernel for it, segments); its transport checksum is
     * replaced by the partial one the segments need, computed from its headers as they are (in the caller's
     * array too: the frame is taken to be sent and done with). Otherwise, or
     * when the kernel refuses it whole, it is segmented here into the transmit ring. Dropped and counted
     * when its segments (IP and transport headers plus {@code gsoSize}) would not fit the MTU, when its
     * headers are no TCP or UDP over IPv4 or IPv6, or when the kernel has no room for it.
     * {@code gsoSize == 0}, or a frame no larger than the MTU allows: as {@link #send(byte[], int, int)}.
     *
     * @return true if sent or queued, false if dropped
     */
    boolean send(byte[] frame, int offset, int length, int gsoSize);

    /**
     * Queues every frame of {@code batch} (a frame with a {@link FrameBatch#gsoSize} as by
     * {@link #send(byte[], int, int, int)}) and flushes once.
     *
     * @return how many were queued (the others were dropped and counted)
     */
    int send(FrameBatch batch);

    /**
     * Hands the queued frames to the kernel with one system call. Frames that cannot go because the link
     * is down are dropped and counted; those the kernel could not take yet (socket send buffer full)
     * stay queued for the next flush.
     *
     * @return how many queued frames are still waiting (0 normally)
     */
    int flush();
}
