package org.conntrack4j.router;

import java.util.List;
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

    /** The router registers nothing in its engine: closing releases its own state only. Idempotent. */
    @Override
    void close();
}
