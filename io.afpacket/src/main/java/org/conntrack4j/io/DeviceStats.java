package org.conntrack4j.io;

/**
 * Counters of a {@link PacketDevice}, summed over its queues since it was opened.
 *
 * @param rxFrames frames delivered by {@code receive} (segments of an offloaded frame count one each)
 * @param rxBytes bytes of those frames
 * @param rxKernelDrops frames the kernel dropped because the receive ring was full (its
 *     {@code PACKET_STATISTICS} {@code tp_drops})
 * @param rxSegmented offloaded frames (GRO, TSO/USO from a virtual peer) cut into segments
 * @param rxChecksummed frames whose partial checksum was completed
 * @param rxInvalid frames dropped because they could not be delivered right: truncated by the ring, an
 *     offload that cannot be undone (UFO, a bad offload header), larger than the MTU allows
 * @param txFrames frames handed to the kernel
 * @param txBytes bytes of those frames
 * @param txRingFull frames dropped because the transmit ring had no free slot
 * @param txDropped other frames dropped on sending: too large, too short, link down
 * @param errors system call failures on the packet path, socket errors (such as the link going down
 *     under a receive), listeners that threw
 * @param rxGso super-frames delivered whole ({@link DeviceConfig#gso}; each also counts in rxFrames)
 * @param txGso super-frames handed to the kernel whole, for it to segment (each also counts in txFrames)
 */
public record DeviceStats(long rxFrames, long rxBytes, long rxKernelDrops, long rxSegmented, long rxChecksummed,
        long rxInvalid, long txFrames, long txBytes, long txRingFull, long txDropped, long errors, long rxGso,
        long txGso) {

    /** Counters of a device that neither receives nor sends super-frames whole. */
    public DeviceStats(long rxFrames, long rxBytes, long rxKernelDrops, long rxSegmented, long rxChecksummed,
            long rxInvalid, long txFrames, long txBytes, long txRingFull, long txDropped, long errors) {
        this(rxFrames, rxBytes, rxKernelDrops, rxSegmented, rxChecksummed, rxInvalid, txFrames, txBytes, txRingFull,
                txDropped, errors, 0, 0);
    }

    @Override
    public String toString() {
        return "rx " + rxFrames + " frames " + rxBytes + " bytes, " + rxKernelDrops + " kernel drops, "
                + rxSegmented + " segmented, " + rxGso + " whole, " + rxChecksummed + " checksummed, " + rxInvalid + " invalid; tx "
                + txFrames + " frames " + txBytes + " bytes, " + txRingFull + " ring full, " + txDropped
                + " dropped, " + txGso + " whole; " + errors + " errors";
    }
}
