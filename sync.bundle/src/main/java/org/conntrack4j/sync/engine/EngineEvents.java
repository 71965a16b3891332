package org.conntrack4j.sync.engine;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.node.SyncRunner;

/**
 * The engine's events into the sync node, as ctnetlink's reach conntrackd. Registered as a synchronous listener so
 * that an event caused by the node's own commit or flush arrives on the node's thread and is told apart (conntrackd
 * tells its own requests by their netlink port); everything else is the engine's. The listener only hands the event
 * over: the mapping (and the lookup of the live connection for its master and sequence adjustment) runs on the
 * node's thread, never on the packet's.
 */
public final class EngineEvents implements ConntrackListener {
    private final SyncRunner runner;
    private final EngineTable table;

    public EngineEvents(SyncRunner runner, EngineTable table) {
        this.runner = runner;
        this.table = table;
    }

    @Override
    public void onEvent(ConntrackEvent event) {
        SyncEvents.Origin origin = runner.onNodeThread() ? table.origin() : SyncEvents.Origin.ENGINE;
        int kind = event.type();
        runner.submit(() -> runner.node().connectionEvent(kind, map(event.connection(), kind), origin));
    }

    private SyncConnection map(ConnectionSnapshot s, int kind) {
        Connection ct = kind == ConntrackEvent.DESTROY ? null : table.live(s.orig(), s.zone());
        return EngineMap.connection(s, ct, ct == null ? null : table.protoInfo(ct));
    }

    @Override
    public void onExpectationEvent(ExpectationEvent event) {
        SyncEvents.Origin origin = runner.onNodeThread() ? table.origin() : SyncEvents.Origin.ENGINE;
        int kind = event.type() == CtEvent.EXP_NEW ? 0 : 2;
        runner.submit(() -> runner.node().expectationEvent(kind, EngineMap.expectation(event.expectation()), origin));
    }

    @Override
    public void onOverflow(long lost) {
        // not for a synchronous listener; counted by the engine all the same
    }
}
