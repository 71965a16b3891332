package org.conntrack4j.sync.engine;

import java.util.function.Consumer;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTable;

/**
 * The engine's table as the sync node writes into and asks it, as conntrackd does over ctnetlink. Called only on the
 * sync node's thread; the events these calls cause come back on that thread, so {@link EngineEvents} can tell them
 * from the engine's own ({@link #origin}).
 */
public final class EngineTable implements SyncTable {
    private final Conntrack net;
    /** TCPWindowTracking: without it, committed TCP connections are liberal (conntrackd's ctd_force_tcp_be_liberal). */
    private final boolean windowTracking;
    /** The origin of events caused on the node's thread: COMMIT, or INJECT while injecting. */
    private volatile SyncEvents.Origin own = SyncEvents.Origin.COMMIT;

    public EngineTable(Conntrack net, boolean windowTracking) {
        this.net = net;
        this.windowTracking = windowTracking;
    }

    /** The origin of an event delivered on the node's thread (the caller checks the thread). */
    SyncEvents.Origin origin() {
        return own;
    }

    private static int zone(Integer z) {
        return z == null ? 0 : z;
    }

    private Connection find(SyncConnection c) {
        return net.services().find(EngineMap.tuple(c.orig(), Direction.ORIGINAL), zone(c.zone()));
    }

    @Override
    public boolean commit(SyncConnection c, long timeoutSeconds) {
        NewConnection n = EngineMap.newConnection(c, timeoutSeconds, windowTracking);
        int r = net.table().create(n);
        if (r == NewConnection.EXISTS) {
            // conntrackd: on EEXIST the entry is destroyed and created again
            Connection old = find(c);
            if (old != null) {
                net.packets().kill(old);
            }
            r = net.table().create(n);
        }
        return r == NewConnection.CREATED;
    }

    @Override
    public boolean commit(SyncExpectation e, long timeoutSeconds) {
        Connection master = net.services().find(EngineMap.tuple(e.master(), Direction.ORIGINAL), 0);
        if (master == null) {
            return false;
        }
        Tuple t = EngineMap.tuple(e.expected(), Direction.ORIGINAL);
        Tuple m = EngineMap.tuple(e.mask(), Direction.ORIGINAL);
        boolean anySrc = m.srcHi == 0 && m.srcLo == 0;
        ExpectationRequest req = new ExpectationRequest(master)
            .init(e.expectClass() == null ? 0 : e.expectClass().intValue(), t.family,
                anySrc ? null : new long[] {t.srcHi, t.srcLo}, new long[] {t.dstHi, t.dstLo}, t.proto,
                m.srcPort == 0 ? -1 : t.srcPort, t.dstPort)
            .flags((int) e.flags()).timeoutSeconds(timeoutSeconds);
        followMaster(req, e, master, t, anySrc);
        return net.services().expectRelated(req) == 0;
    }

    /** The kernel's name of NAT's expectation function, as ctnetlink dumps it ({@code CTA_EXPECT_FN}). */
    static final String FOLLOW_MASTER = "nat-follow-master";

    /**
     * Gives a committed expectation NAT's follow-master function, so that the connection it expects is translated
     * as the master is, as it would have been on the peer: when the peer named that function (ctnetlink sets it
     * from {@code CTA_EXPECT_FN}), or named none and the master has NAT (a conntrack4j peer, whose expectations
     * carry neither function nor NAT tuple). The saved port and direction come from the peer's NAT tuple where it
     * sent one ({@code CTA_EXPECT_NAT}: the saved address and port are its source); otherwise the direction is the
     * master's one whose tuple the expected connection repeats (as the helpers announce it) and the port the
     * expected one, which NAT keeps unless it clashed.
     */
    private void followMaster(ExpectationRequest req, SyncExpectation e, Connection master, Tuple t,
        boolean anySrc) {
        boolean named = FOLLOW_MASTER.equals(e.function());
        if (!named && (e.function() != null || (master.status() & Status.NAT_MASK) == 0)) {
            return;
        }
        Nat nat = net.services().extension(Nat.class);
        if (nat == null) {
            return;
        }
        if (e.nat() != null) {
            // an IPv6 NAT tuple travels without addresses (unspecified here); follow-master needs only port and way
            long[] w = EngineMap.words(e.nat().src());
            req.saved(w[0], w[1], e.nat().srcPort(), (int) e.natDir() & 1);
        } else {
            int dir = announcedIn(master, t, anySrc);
            if (dir < 0) {
                return;
            }
            req.saved(t.dstHi, t.dstLo, t.dstPort, dir);
        }
        req.expectFn(nat::followMaster);
    }

    /** The direction of the master whose addresses the expected tuple has, or -1 for neither. */
    private static int announcedIn(Connection master, Tuple t, boolean anySrc) {
        for (int d = Direction.ORIGINAL; d <= Direction.REPLY; d++) {
            if (master.dstHi(d) == t.dstHi && master.dstLo(d) == t.dstLo
                && (anySrc || master.srcHi(d) == t.srcHi && master.srcLo(d) == t.srcLo)) {
                return d;
            }
        }
        return -1;
    }

    /** Runs a DisableExternalCache write: the events it causes are INJECT, not sent back. */
    private boolean injecting(java.util.function.BooleanSupplier write) {
        own = SyncEvents.Origin.INJECT;
        try {
            return write.getAsBoolean();
        } finally {
            own = SyncEvents.Origin.COMMIT;
        }
    }

    @Override
    public boolean inject(SyncConnection c) {
        return injecting(() -> {
            long timeout = c.timeout() == null ? 60 : c.timeout();
            int r = net.table().create(EngineMap.newConnection(c, timeout, windowTracking));
            if (r != NewConnection.EXISTS) {
                return r == NewConnection.CREATED;
            }
            Connection ct = find(c);
            if (ct == null) {
                return false;
            }
            ConnectionUpdate u = ConnectionUpdate.NONE.withTimeout(timeout)
                .withStatus((int) c.status() & (Status.SEEN_REPLY | Status.ASSURED));
            if (c.mark() != null) {
                u = u.withMark(c.mark().intValue(), -1);
            }
            return net.table().update(ct, u) == ConnectionUpdate.DONE;
        });
    }

    @Override
    public boolean remove(SyncConnection c) {
        return injecting(() -> destroy(c));
    }

    @Override
    public boolean inject(SyncExpectation e) {
        return injecting(() -> commit(e, e.timeout() == null ? 60 : e.timeout()));
    }

    @Override
    public boolean remove(SyncExpectation e) {
        Tuple t = EngineMap.tuple(e.expected(), Direction.ORIGINAL);
        return injecting(() -> net.table().deleteExpectations(x -> x.tuple().sameAs(t)) > 0);
    }

    @Override
    public boolean contains(SyncConnection c) {
        return find(c) != null;
    }

    @Override
    public boolean contains(SyncExpectation e) {
        return net.services().findExpectation(EngineMap.tuple(e.expected(), Direction.ORIGINAL), 0) != null;
    }

    @Override
    public boolean destroy(SyncConnection c) {
        Connection ct = find(c);
        return ct != null && net.packets().kill(ct);
    }

    @Override
    public void forEachConnection(Consumer<SyncConnection> each) {
        for (Connection ct : net.table().connections(null)) {
            if (ct.isDying()) {
                continue;
            }
            each.accept(EngineMap.connection(net.table().snapshot(ct), ct, protoInfo(ct)));
        }
    }

    /** The tracker's state of a live connection, as ctnetlink dumps it ({@code to_nlattr}), or null. */
    ProtoInfo protoInfo(Connection ct) {
        L4Tracker t = net.services().tracker(ct.family(), ct.protocol());
        return t == null ? null : t.protoInfo(ct);
    }

    @Override
    public void forEachExpectation(Consumer<SyncExpectation> each) {
        for (ExpectationSnapshot e : net.table().expectations()) {
            each.accept(EngineMap.expectation(e));
        }
    }

    /** The live connection of an event's tuple, or null when it is gone already. */
    Connection live(Tuple orig, int zone) {
        return net.services().find(orig, zone);
    }

    Conntrack net() {
        return net;
    }
}
