package org.conntrack4j.sync.api;

import java.util.function.Consumer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The live connection table as the sync node needs it: what conntrackd does over ctnetlink. Implemented
 * by the engine integration. Calls come from the sync node's thread; events that they cause must reach
 * {@link SyncEvents} with {@link SyncEvents.Origin#COMMIT} (create, destroy from a commit or flush) or
 * {@link SyncEvents.Origin#INJECT} (inject, remove), so that they are not sent back.
 */
@ConsumerType
public interface SyncTable {

    /**
     * Commits a connection from the external cache: inserts it as confirmed, with its NAT bindings,
     * helper, mark, zone, labels, sequence adjustment and master, replacing a connection with the same
     * original tuple (conntrackd: create; on EEXIST destroy and create again).
     *
     * @param timeoutSeconds seconds to live (CommitTimeout, or what is left of the synced timeout)
     * @return true when it is in the table, false when the engine refused it (counted as a failed commit)
     */
    boolean commit(SyncConnection c, long timeoutSeconds);

    /** Commits an expectation, as {@link #commit(SyncConnection, long)}. */
    boolean commit(SyncExpectation e, long timeoutSeconds);

    /**
     * DisableExternalCache: writes a peer's message straight into the table (create or update).
     *
     * @return true when done
     */
    boolean inject(SyncConnection c);

    /** DisableExternalCache: removes a connection the peer destroyed. @return true when it was there */
    boolean remove(SyncConnection c);

    /** DisableExternalCache for expectations. */
    boolean inject(SyncExpectation e);

    boolean remove(SyncExpectation e);

    /** @return whether a connection with this original tuple (and zone) is in the table (the purge's question) */
    boolean contains(SyncConnection c);

    boolean contains(SyncExpectation e);

    /** Destroys a connection (PurgeTimeout's selective flush). @return true when it was there */
    boolean destroy(SyncConnection c);

    /** Hands over every connection of the table (the internal cache's population and resync). */
    void forEachConnection(Consumer<SyncConnection> each);

    /** Hands over every expectation of the table. */
    void forEachExpectation(Consumer<SyncExpectation> each);
}
