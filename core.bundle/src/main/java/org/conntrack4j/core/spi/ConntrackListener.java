package org.conntrack4j.core.spi;

import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives connection and expectation events (ctnetlink, {@code conntrack -E}) in the order the kernel
 * emits them.
 *
 * <h2>Whiteboard contract</h2>
 * Registered as a service, a listener receives the events of the default (live) engine; replays add
 * listeners to their own engine with {@code Conntrack.addListener}. Service property {@link #DELIVERY}:
 * {@code async} (default) delivers from a separate thread through a bounded queue, so a slow listener never
 * holds up packets (events that do not fit are counted as lost, as ctnetlink's ENOBUFS); {@code sync}
 * delivers on the packet's thread. An exception thrown by a listener is logged and dropped. When there is no
 * listener, events cost nothing.
 */
@ConsumerType
public interface ConntrackListener {
    /** Service property: {@code sync} or {@code async}. */
    String DELIVERY = "conntrack.listener.delivery";

    void onEvent(ConntrackEvent event);

    default void onExpectationEvent(ExpectationEvent event) {
    }
}
