package org.conntrack4j.replay.router;

import java.io.IOException;

/** Where the router's outgoing frames go (the replay's egress capture). */
@FunctionalInterface
public interface EgressSink {
    /** One Ethernet frame leaving on interface {@code iface}; the array is only valid during the call. */
    void send(String iface, long tstampNanos, byte[] frame, int off, int len) throws IOException;
}
