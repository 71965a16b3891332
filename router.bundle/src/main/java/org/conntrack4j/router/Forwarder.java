package org.conntrack4j.router;

import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One thread's way into a {@link Router}: for every received frame, the IP layer's checks, PRE_ROUTING, the
 * routing decision, then forwarding (TTL / hop limit, MTU, FORWARD, POST_ROUTING, out by its {@link Egress}) or
 * local delivery (LOCAL_IN, the host's answer through LOCAL_OUT and POST_ROUTING). Used by one thread; on a
 * known connection's packet it allocates nothing.
 *
 * <p>Time: {@code nanos} is the feeder's clock, a capture's timestamps in a replay or the monotonic clock live;
 * the router only takes differences of it and hands it back to the egress. The engine keeps its own clock.
 */
@ProviderType
public interface Forwarder {
    /** Link types of {@link #receive}, as pcap numbers them: Ethernet, and IP packets without a link header. */
    int LINKTYPE_ETHERNET = 1;
    int LINKTYPE_RAW = 101;
    int LINKTYPE_IPV4 = 228;
    int LINKTYPE_IPV6 = 229;

    /**
     * Processes one frame received on {@code port} and fills {@code result}. {@code tag} is the caller's name for
     * the frame (a capture index, a ring slot): it comes back in {@link Result#absorbed} when the frame was a
     * fragment of a datagram completed later. Never throws for bad packet content, only what the egress throws.
     */
    void receive(int port, int linkType, byte[] frame, int off, int len, long nanos, long tag, Result result)
        throws IOException;

    /**
     * As {@link #receive(int, int, byte[], int, int, long, long, Result)} for an Ethernet frame that may be a
     * super-frame: {@code gsoSize > 0} says it is a TCP or UDP packet merged from (or to be cut into) segments of
     * {@code gsoSize} payload bytes, its checksum complete over all of it (the live dataplane's GRO / TSO frames).
     * It goes through the hooks as one packet, as Linux forwards one skb: conntrack, NAT and helpers see it whole;
     * the MTU checks look at its segments ({@code skb_gso_validate_network_len}: too large with DF, an ICMP
     * fragmentation needed / packet too big as for any packet), and it leaves by {@link Egress#sendGso} whole.
     */
    void receive(int port, byte[] frame, int off, int len, int gsoSize, long nanos, long tag, Result result)
        throws IOException;

    /**
     * Runs the router's timers at {@code nanos}: announcements owed to links that came up, neighbour resolutions'
     * retries and expiry. One forwarder of a router ticks (the live dataplane's first, between batches; a replay's
     * before each frame); what the timers send leaves through its egress. Cheap when called often: the work runs
     * every 10 ms at most.
     */
    void tick(long nanos) throws IOException;

    /** As {@link #receive(int, int, byte[], int, int, long, long, Result)} by interface name (unknown: dropped). */
    void receive(String iface, int linkType, byte[] frame, int off, int len, long nanos, long tag, Result result)
        throws IOException;
}
