package org.conntrack4j.sync.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's conntrack events, as conntrackd receives them from ctnetlink: what fills the internal cache
 * and is sent to the peer. The engine integration calls these for every NEW, UPDATE and DESTROY of a
 * confirmed connection and every NEW and DESTROY of an expectation (ExpectationSync), in the order the
 * engine emits them. They may be called from any thread; they never block and never throw: the sync node
 * takes them in on its own thread.
 */
@ProviderType
public interface SyncEvents {

    /** Who caused an event, as conntrackd tells its own netlink requests apart from others. */
    enum Origin {
        /** The engine itself (traffic, timeouts, the user): synced. */
        ENGINE,
        /** Our own commit or flush: cached but not sent back to the peer. */
        COMMIT,
        /** A direct injection (DisableExternalCache): ignored altogether. */
        INJECT
    }

    void newConnection(SyncConnection c, Origin origin);

    void updateConnection(SyncConnection c, Origin origin);

    void destroyConnection(SyncConnection c, Origin origin);

    void newExpectation(SyncExpectation e, Origin origin);

    void updateExpectation(SyncExpectation e, Origin origin);

    void destroyExpectation(SyncExpectation e, Origin origin);
}
