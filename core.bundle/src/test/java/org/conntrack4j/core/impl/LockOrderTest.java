package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.junit.jupiter.api.Test;

/**
 * The lock order of the package documentation, under contention: packet threads whose helper holds the
 * connection's monitor while it inserts and removes expectations, administration (listing, update, delete, flush
 * of connections and expectations), the expiry scan, and plug-ins coming and going, all at once on one engine,
 * with a synchronous listener that checks it is called with no engine lock held. A deadlock fails the test with
 * every thread's stack (found by the JVM's deadlock detector, or by no progress for minutes); slowness does not.
 */
class LockOrderTest {
    private static final int PROTO = 17;
    private static final int OTHER_PROTO = 132;
    private static final int ITERATIONS = 3000;
    /** No progress for this long is taken as a hang (a deadlock the detector cannot see, e.g. a spin). */
    private static final long HANG_MS = TimeUnit.MINUTES.toMillis(5);

    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final Engine net;
    /** The connection each thread's helper is working on, with its monitor held. */
    private final ThreadLocal<Connection> helping = new ThreadLocal<>();
    private final AtomicInteger violations = new AtomicInteger();
    private final Map<String, Boolean> violationKinds = new ConcurrentHashMap<>();
    private final AtomicInteger events = new AtomicInteger();

    /** Announces the port in the payload, and withdraws every fourth announcement again, holding ct's monitor. */
    private final Helper helper = new AnnouncingHelper("lockorder", PROTO, 2, 30) {
        @Override
        public int help(Conntrack n, Packet pkt, int protoff, Connection ct, int ctinfo) {
            int port = announced(pkt, protoff);
            if (port == 0) {
                return Verdict.ACCEPT;
            }
            synchronized (ct) {
                helping.set(ct);
                try {
                    ExpectationRequest r = request(ct, ctinfo, port);
                    if (n.services().expectRelated(r) == 0 && (port & 3) == 0) {
                        n.services().unexpectRelated(r);
                    }
                } finally {
                    helping.remove();
                }
            }
            return Verdict.ACCEPT;
        }
    };

    LockOrderTest() {
        reg.addTracker(new PortTracker("udp"), PROTO, true, true, reg.localId(), 0, "test");
        reg.addHelper(helper, reg.localId(), 0, "test");
        clock.setWallNanos(7_000_000_000_000L);
        net = new Engine(reg, "lockorder", clock, 3);
        net.settings().set(CoreSettings.MAX, 5000);
        net.settings().set(CoreSettings.BUCKETS, 256);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && !p.ct.isConfirmed() && p.ct.protocol() == PROTO && p.ct.helper() == null) {
                net.services().assignHelper(p.ct, helper);
            }
            return Verdict.ACCEPT;
        }, "assign helper");
        net.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                checkNoLockHeld("connection event");
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                checkNoLockHeld("expectation event");
            }
        }, true);
    }

    private void checkNoLockHeld(String what) {
        events.incrementAndGet();
        Connection c = helping.get();
        String held = Thread.holdsLock(net.expects) ? "the expectation table"
            : Thread.holdsLock(reg) ? "the registry"
            : Thread.holdsLock(net.events) ? "the event sink"
            : Thread.holdsLock(net.settings) ? "the settings"
            : c != null && Thread.holdsLock(c) ? "the helper's connection monitor" : null;
        for (int i = 0; held == null && i < ConnTable.STRIPES; i++) {
            if (Thread.holdsLock(net.table.lock(i))) {
                held = "table stripe " + i;
            }
        }
        if (held != null) {
            violations.incrementAndGet();
            violationKinds.put(what + " delivered holding " + held, true);
        }
    }

    /** A control packet of flow {@code i} announcing a port, both directions through both hooks. */
    private void control(Packet p, int thread, int i) {
        String client = "10.1." + thread + "." + (1 + i % 200);
        int sport = 1024 + i % 20000;
        TestPackets.v4(p, PROTO, client, sport, "10.2.0.1", 21, 4);
        p.put16(28, 2000 + (i % 1000));
        through(p);
        TestPackets.v4(p, PROTO, "10.2.0.1", 21, client, sport, 4);
        p.put16(28, 3000 + (i % 1000));
        through(p);
        // the data connection the reply announced: from its sender to the client
        TestPackets.v4(p, PROTO, "10.2.0.1", 40000 + i % 1000, client, 3000 + (i % 1000), 4);
        through(p);
    }

    private void through(Packet p) {
        if (net.packets().runHook(Hook.PRE_ROUTING, p) == Verdict.ACCEPT) {
            net.packets().runHook(Hook.POST_ROUTING, p);
        }
    }

    @Test
    void theDocumentedOrderHoldsUnderContention() throws Exception {
        List<Runnable> jobs = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            jobs.add(() -> {
                Packet p = new Packet();
                for (int i = 0; i < ITERATIONS; i++) {
                    control(p, thread, i);
                }
            });
        }
        jobs.add(() -> {
            for (int i = 0; i < ITERATIONS; i++) {
                net.table().list(null);
                for (Connection c : net.table().connections(x -> x.srcPort(Direction.ORIGINAL) % 7 == 0)) {
                    net.table().update(c, ConnectionUpdate.NONE.withMark(i, -1).withTimeout(20));
                }
                net.table().expectations();
                net.table().delete(c -> c.srcPort(Direction.ORIGINAL) % 11 == 0);
                // a zone's lists (leaves): walked alone, then their entries killed
                net.table().delete(0, c -> c.srcPort(Direction.ORIGINAL) % 13 == 0);
                if (i % 50 == 0) {
                    net.table().deleteExpectations(null);
                }
                if (i % 500 == 0) {
                    net.table().flush();
                }
            }
        });
        jobs.add(() -> {
            for (int i = 0; i < ITERATIONS; i++) {
                clock.advanceSeconds(0.25);
                net.table().expire();
                for (Connection c : net.table().connections(x -> x.srcPort(Direction.ORIGINAL) % 13 == 0)) {
                    net.packets().kill(c);
                }
            }
        });
        jobs.add(() -> {
            for (int i = 0; i < ITERATIONS / 10; i++) {
                PortTracker other = new PortTracker("other");
                reg.addTracker(other, OTHER_PROTO, true, true, reg.localId(), 0, "test");
                Helper second = new Helper() {
                    @Override
                    public String name() {
                        return "second";
                    }

                    @Override
                    public int protocol() {
                        return PROTO;
                    }

                    @Override
                    public List<ExpectPolicy> expectPolicies() {
                        return List.of();
                    }

                    @Override
                    public int help(Conntrack n, Packet pkt, int protoff, Connection ct, int ctinfo) {
                        return Verdict.ACCEPT;
                    }
                };
                reg.addHelper(second, reg.localId(), 0, "test");
                reg.removeHelper(second);
                reg.removeTracker(other);
                net.settings().set(CoreSettings.BUCKETS, i % 2 == 0 ? 512 : 256);
            }
        });
        runAll(jobs);
        assertEquals(0, violations.get(), "listener called with a lock held: " + violationKinds.keySet());
        assertTrue(events.get() > 0, "the listener saw events");
        net.close();
    }

    /** Runs the jobs at once; fails with a thread dump on a deadlock or a hang, rethrows a job's failure. */
    private static void runAll(List<Runnable> jobs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(jobs.size(), r -> {
            Thread t = new Thread(r, "lockorder-" + r.hashCode());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Runnable j : jobs) {
                running.add(pool.submit(j));
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long deadline = System.currentTimeMillis() + HANG_MS;
            for (Future<?> f : running) {
                while (!f.isDone()) {
                    long[] dead = mx.findDeadlockedThreads();
                    if (dead != null) {
                        fail("deadlock between " + dead.length + " threads:\n" + dump(mx));
                    }
                    if (System.currentTimeMillis() > deadline) {
                        fail("no progress for " + HANG_MS / 1000 + " s:\n" + dump(mx));
                    }
                    try {
                        f.get(100, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // poll again
                    }
                }
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String dump(ThreadMXBean mx) {
        StringBuilder sb = new StringBuilder();
        for (ThreadInfo ti : mx.dumpAllThreads(true, true)) {
            sb.append('"').append(ti.getThreadName()).append("\" ").append(ti.getThreadState());
            if (ti.getLockName() != null) {
                sb.append(" on ").append(ti.getLockName()).append(" owned by ").append(ti.getLockOwnerName());
            }
            sb.append('\n');
            for (StackTraceElement e : ti.getStackTrace()) {
                sb.append("    at ").append(e).append('\n');
            }
        }
        return sb.toString();
    }
}
