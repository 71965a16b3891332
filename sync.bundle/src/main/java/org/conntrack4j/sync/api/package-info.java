/**
 * State sync as conntrackd (conntrack-tools 1.4.7) sees it: the connection and expectation it replicates,
 * in a form that does not depend on the engine ({@link org.conntrack4j.sync.api.SyncConnection},
 * {@link org.conntrack4j.sync.api.SyncExpectation}), and the two interfaces the engine integration
 * implements and calls: {@link org.conntrack4j.sync.api.SyncTable} (the live table that a commit writes
 * into and a purge asks) and {@link org.conntrack4j.sync.api.SyncEvents} (the engine's events that fill
 * the internal cache). Values keep Linux's and conntrackd's names and numbers. Since 1.1, a node running on the
 * live engine is a {@link org.conntrack4j.sync.api.SyncControl} service; since 1.2 it gives its counters
 * ({@link org.conntrack4j.sync.api.SyncControl#counters}, the metrics).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.conntrack4j.sync.api;
