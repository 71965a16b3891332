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
 * listeners to their own engine with {@code net.table().addListener}. Service property {@link #DELIVERY} (set by
 * {@link ListenerService} on a Declarative Services component):
 * {@code async} (default) delivers from a separate thread through a bounded queue, so a slow listener never
 * holds up packets (events that do not fit are counted as lost, and the listener told so with {@link #onOverflow},
 * as ctnetlink's ENOBUFS); {@code sync}
 * delivers on the packet's thread once the packet's call into the engine returns, with no engine lock held.
 * An exception thrown by a listener is logged and dropped. When there is no listener, events cost nothing. A
 * listener leaving (service unregistered, registration closed) gets no more events; its thread, if it had one, ends.
 */
@ConsumerType
public interface ConntrackListener {
    /** Service property: {@code sync} or {@code async}. */
    String DELIVERY = "conntrack.listener.delivery";

    void onEvent(ConntrackEvent event);

    default void onExpectationEvent(ExpectationEvent event) {
    }

    /**
     * Events were dropped because this asynchronous listener's queue was full, as ctnetlink drops messages for a
     * socket whose receive buffer is full and reports {@code ENOBUFS} on its next read: {@code lost} events since the
     * last indication. Called on the listener's thread before the next event it gets, queued events included. Nothing
     * by default.
     *
     * @since 2.1
     */
    default void onOverflow(long lost) {
    }
}
