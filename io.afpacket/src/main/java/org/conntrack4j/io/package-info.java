/**
 * Packet I/O on Linux network devices: open a device by name, receive its Ethernet frames in batches,
 * send frames singly or in batches, and follow its link state. Independent of the conntrack engine: a
 * router copies each received frame's bytes into its own packet view (or reads them where they lie).
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>{@link org.conntrack4j.io.PacketIo#open PacketIo.open} takes a device by name in the network namespace
 *     of the calling thread, and returns a {@link org.conntrack4j.io.PacketDevice} with one or more
 *     {@link org.conntrack4j.io.PacketQueue}s. Several queues of one device share its received traffic by
 *     flow (a hash of addresses and ports, the same for both directions of a flow): each frame goes to
 *     exactly one queue.</li>
 * <li>Frames are whole Ethernet frames as on the wire: destination MAC first, a VLAN tag where the
 *     wire had one (a tag the device took off is put back), no FCS. A received frame is never larger
 *     than the device's MTU plus the Ethernet header (plus 4 per VLAN tag) and never carries a partial
 *     checksum: what the kernel's offloads merged (GRO, TSO/USO from a local or virtual peer) is cut back
 *     into segments as the wire would have carried them, and checksums left for the hardware are
 *     completed. A frame that cannot be brought to that form is dropped and counted, never delivered
 *     wrong. The exception, asked for with {@link org.conntrack4j.io.DeviceConfig#gso}: a TCP or UDP
 *     super-frame that may leave in segments arrives whole, its segment size in
 *     {@link org.conntrack4j.io.FrameBatch#gsoSize} and its checksum complete, and such a frame can be
 *     sent whole for the kernel to segment.</li>
 * <li>Frames this host sends on the device (the kernel's or ours) are not received.</li>
 * <li>Errors opening a device are a {@link org.conntrack4j.io.PacketIoException} with one line naming
 *     the device, the operation and the system's error text. After opening, nothing on the packet
 *     path throws: faults are counted in {@link org.conntrack4j.io.DeviceStats}.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * A {@link org.conntrack4j.io.PacketQueue} is used by one thread at a time (its receive and send sides
 * may be used by two different threads, one each). Different queues are independent and run in parallel.
 * {@link org.conntrack4j.io.PacketDevice} methods other than the queues' are thread-safe. Link listeners
 * are called on the device's own monitor thread.
 *
 * <h2>Buffers and copies</h2>
 * A {@link org.conntrack4j.io.FrameBatch} is owned by its creator and reused from call to call; the
 * implementation writes into it only during {@code receive}. Receiving copies each frame once, from the
 * kernel's receive ring into the batch (segmenting an offloaded frame copies it once more into scratch
 * space first). Sending copies each frame once, from the caller's array into the kernel's transmit ring;
 * the caller's array is free again when {@code send} returns.
 *
 * <h2>Closing</h2>
 * {@link org.conntrack4j.io.PacketDevice#close} stops the monitor thread, closes every socket and unmaps
 * the rings; a {@code receive} blocked at that moment returns -1 within its timeout, later calls return
 * -1 (receive) or drop (send). Closing twice is harmless. Frames already in a batch stay valid (they
 * were copied).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.conntrack4j.io;
