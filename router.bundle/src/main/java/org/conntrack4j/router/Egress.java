package org.conntrack4j.router;

import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where a forwarder's outgoing frames go: a replay's egress capture, or the transmit queues of the devices its
 * thread owns. Called on the forwarder's thread only.
 */
@ConsumerType
@FunctionalInterface
public interface Egress {
    /**
     * One Ethernet frame leaving by interface {@code port} (an index into {@link Router#devices()}) at the
     * forwarder's time {@code nanos}; the array is only valid during the call. An implementation that cannot send
     * (ring full, link down) drops the frame and counts it; an {@link IOException} (a replay's output file) stops
     * the forwarder's caller.
     */
    void send(int port, long nanos, byte[] frame, int off, int len) throws IOException;

    /**
     * A super-frame leaving whole: a TCP or UDP packet for the device to cut into segments of {@code gsoSize}
     * payload bytes, each of which fits the port's MTU; its checksum is complete over all of it. By default it goes
     * to {@link #send} as one frame (a capture shows it as tcpdump shows a GSO frame).
     */
    default void sendGso(int port, long nanos, byte[] frame, int off, int len, int gsoSize) throws IOException {
        send(port, nanos, frame, off, len);
    }
}
