package org.conntrack4j.router;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.NetDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A Linux router around one engine: the state its forwarding threads share (interfaces, routes, the local stack's
 * rate limits). Frames go in through a {@link Forwarder}, one per thread. Made by {@link Routers#create}.
 */
@ProviderType
public interface Router extends AutoCloseable {
    /** The interfaces as the hooks see them, in the configuration's order: port {@code i} is element {@code i}. */
    List<NetDevice> devices();

    /** The port of the interface named {@code name}, or -1. */
    int port(String name);

    /**
     * A forwarding context for one thread: its own packet buffers, sending through {@code egress}. A replay has one;
     * the live dataplane one per receive queue.
     */
    Forwarder forwarder(Egress egress);

    /**
     * The link of {@code port} changed (the live dataplane's link listener): whether frames flow, its MTU and
     * hardware address (null: unchanged). A link that comes up is announced (gratuitous ARP, unsolicited neighbour
     * advertisements) at the next {@link Forwarder#tick}; a new hardware address forgets the port's neighbours.
     * Any thread.
     */
    void linkChanged(int port, boolean running, int mtu, byte[] mac);

    /**
     * The router's counters, summed over its forwarders, in a fixed order: frames received and what became of
     * them, frames sent, ARP and neighbour discovery, the neighbour table's events and size. Any thread; a
     * forwarder's own counts may lag a little.
     */
    Map<String, Long> counters();

    /** The neighbour table as {@code ip neigh} prints it, one line per entry. Any thread. */
    List<String> neighbours();

    /** The router registers nothing in its engine: closing releases its own state only. Idempotent. */
    @Override
    void close();
}
