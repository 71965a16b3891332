package org.conntrack4j.sync.node;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import org.conntrack4j.sync.api.SyncTable;
import org.conntrack4j.sync.config.SyncConfig;

/**
 * Two sync nodes joined by an in-memory link that loses, delays and reorders datagrams, on a simulated
 * clock: every delivery and every timer happens at its simulated time, in order.
 */
final class LossyLinkSimulation {
    private record Event(long at, long order, Runnable action) {
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private final Random random;
    private final double loss;
    private final long maxDelayMicros;
    private long order;
    long now = 1_700_000_000_000_000L;
    final SyncNode a;
    final SyncNode b;
    long sent;
    long dropped;

    LossyLinkSimulation(SyncConfig cfgA, SyncConfig cfgB, SyncTable tableA, double loss, long maxDelayMicros,
            long seed) {
        this.random = new Random(seed);
        this.loss = loss;
        this.maxDelayMicros = maxDelayMicros;
        SyncNode[] peer = new SyncNode[2];
        FakeLink la = new FakeLink(1472).to(d -> carry(d, () -> peer[1]));
        FakeLink lb = new FakeLink(1472).to(d -> carry(d, () -> peer[0]));
        a = new SyncNode(cfgA, List.of(la), tableA, () -> now, new Random(seed + 1), m -> { });
        b = new SyncNode(cfgB, List.of(lb), null, () -> now, new Random(seed + 2), m -> { });
        peer[0] = a;
        peer[1] = b;
    }

    private void carry(byte[] d, java.util.function.Supplier<SyncNode> to) {
        sent++;
        if (random.nextDouble() < loss) {
            dropped++;
            return;
        }
        long delay = 100 + (long) (random.nextDouble() * maxDelayMicros);
        at(now + delay, () -> {
            SyncNode n = to.get();
            n.received(0, d, 0, d.length);
            n.runPending();
        });
    }

    void at(long t, Runnable r) {
        events.add(new Event(t, order++, r));
    }

    /** Runs deliveries, scheduled actions and both nodes' timers until {@code until}. */
    void runUntil(long until) {
        while (true) {
            long next = Math.min(events.isEmpty() ? Long.MAX_VALUE : events.peek().at(),
                    Math.min(a.nextDeadline(), b.nextDeadline()));
            if (next > until) {
                now = until;
                return;
            }
            now = Math.max(now, next);
            if (!events.isEmpty() && events.peek().at() <= now) {
                events.poll().action().run();
            }
            if (a.nextDeadline() <= now) {
                a.runPending();
            }
            if (b.nextDeadline() <= now) {
                b.runPending();
            }
        }
    }

}
