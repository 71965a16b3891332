package org.conntrack4j.bench;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.cache.Cache;
import org.conntrack4j.sync.channel.Link;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.engine.EngineEvents;
import org.conntrack4j.sync.engine.EngineTable;
import org.conntrack4j.sync.node.SyncRunner;

/**
 * Workload sync: two sync nodes, each on its own engine, replicating over FTFW on a UDP link on loopback
 * (127.0.0.1 and 127.0.0.2, datagrams cut for an Ethernet MTU of 1500), as two routers running conntrackd would
 * over a dedicated link. Engine A gets {@code conns} established TCP connections (its events fill A's internal
 * cache, which sends them), then changes the mark of each (updates); B's external cache is then flushed and B asks A
 * for a resync (A sends its whole internal cache, conntrackd's bulk resync, {@code conntrackd -n}). Each phase is
 * timed from its first engine change (or the request) until B's external cache holds every connection as A has it;
 * the messages are the sync messages B's cache took in, the datagrams those of the link. B's external cache's heap
 * is the used heap after full collections with it full less that after it was flushed.
 */
public final class WorkloadSync {
    /** The sync link's MTU the nodes cut their datagrams for (Ethernet), whatever loopback's is. */
    static final int MTU = 1500;
    /** Engine changes made before the bench waits for A's node to take their events in (its inbox holds 65,536). */
    private static final int CHUNK = 10_000;
    /** How long a phase may take before it is called failed. */
    private static final long PHASE_LIMIT_NANOS = 300_000_000_000L;

    private static final String CONF = """
        Sync {
            Mode FTFW {
                ResendQueueSize %d
            }
            UDP {
                IPv4_address %s
                IPv4_Destination_Address %s
                Port %d
                Interface lo
                SndSocketBuffer 1249280
                RcvSocketBuffer 1249280
            }
        }
        General {
            HashSize %d
            HashLimit %d
        }
        """;

    private WorkloadSync() {
    }

    /** One phase: wall time until B held everything, and what went over the link meanwhile. */
    public static final class Phase {
        public final String name;
        public final long nanos;
        /** Sync messages B's external cache took (new entries and updates), datagrams A sent and B received. */
        public final long messages;
        public final long datagramsSent;
        public final long datagramsReceived;
        /** Messages B found missing by their sequence numbers (lost on the link, recovered by FTFW). */
        public final long lost;
        public final long processCpuNanos;
        /** Null, or why the phase failed (B never held everything). */
        public final String failure;

        Phase(String name, long nanos, long messages, long datagramsSent, long datagramsReceived, long lost,
            long processCpuNanos, String failure) {
            this.name = name;
            this.nanos = nanos;
            this.messages = messages;
            this.datagramsSent = datagramsSent;
            this.datagramsReceived = datagramsReceived;
            this.lost = lost;
            this.processCpuNanos = processCpuNanos;
            this.failure = failure;
        }

        public double messagesPerSecond() {
            return messages * 1e9 / nanos;
        }

        public double datagramsPerSecond() {
            return datagramsReceived * 1e9 / nanos;
        }
    }

    /** The three phases and the external cache's heap. */
    public static final class Result {
        public final int connections;
        public final List<Phase> phases;
        /** Used heap with B's external cache full and after it was flushed; its entries when full. */
        public final long heapFull;
        public final long heapFlushed;
        public final int externalEntries;
        /** Engine events A's node dropped for a full inbox (0 when all is well). */
        public final long overruns;

        Result(int connections, List<Phase> phases, long heapFull, long heapFlushed, int externalEntries,
            long overruns) {
            this.connections = connections;
            this.phases = phases;
            this.heapFull = heapFull;
            this.heapFlushed = heapFlushed;
            this.externalEntries = externalEntries;
            this.overruns = overruns;
        }

        public double bytesPerEntry() {
            return (double) (heapFull - heapFlushed) / externalEntries;
        }
    }

    /** One node: its engine, its runner and the engine's event registration. */
    private static final class Node implements AutoCloseable {
        final Conntrack net;
        final SyncRunner runner;
        final Registration events;

        Node(Conntrack net, String local, String peer, int port, int conns) throws Exception {
            this.net = net;
            int limit = Math.max(262_144, 2 * conns);
            String conf = String.format(java.util.Locale.ROOT, CONF, Math.max(131_072, conns + conns / 4), local, peer,
                port, 65_536, limit);
            EngineTable table = new EngineTable(net, false);
            runner = new SyncRunner(ConfParser.parse(net.name() + ".conf", conf), table, m -> { }, MTU);
            events = net.table().addListener(new EngineEvents(runner, table), true);
            runner.start();
        }

        <T> T call(Callable<T> op) throws Exception {
            return runner.call(op);
        }

        /** {datagrams sent, datagrams received} of the link. */
        long[] datagrams() throws Exception {
            return call(() -> {
                Link.LinkStats s = runner.linkStats().get(0);
                return new long[] {s.messagesSent, s.messagesRecv};
            });
        }

        @Override
        public void close() throws IOException {
            events.close();
            runner.close();
        }
    }

    /** Runs the workload with {@code conns} connections; the port is the sync link's (both nodes'). */
    public static Result run(EngineSource engines, int conns, int port) throws Exception {
        Map<String, String> settings = new HashMap<>(WorkloadC.settingsFor(conns));
        Conntrack a = engines.create("bench-sync-a", CpuClock.fixedClock(), settings);
        Conntrack b = engines.create("bench-sync-b", CpuClock.fixedClock(), settings);
        try (Node na = new Node(a, "127.0.0.1", "127.0.0.2", port, conns);
            Node nb = new Node(b, "127.0.0.2", "127.0.0.1", port, conns)) {
            // FTFW's first messages (HELLO) are not sequence tracked: let the two greet each other first
            Thread.sleep(1500);
            Phase steady = phase("new connections (events)", na, nb, () -> {
                Tuple t = new Tuple();
                for (int i = 0; i < conns; i++) {
                    tuple(t, i);
                    a.table().create(NewConnection.of(t, 432_000).withStatus(Status.SEEN_REPLY | Status.ASSURED)
                        .withProtoInfo(ProtoInfo.state(3)));
                    drainEvery(na, i);
                }
                return conns;
            }, () -> nb.call(() -> nb.runner.node().externalConnectionCount()), conns);
            Phase updates = phase("updates (mark of each)", na, nb, () -> {
                int i = 0;
                for (Connection c : a.table().connections(null)) {
                    a.table().update(c, ConnectionUpdate.NONE.withMark(1, -1));
                    drainEvery(na, i++);
                }
                return i;
            }, () -> nb.call(() -> marked(nb.runner.node().externalConnections())), conns);
            long heapFull = WorkloadC.settledUsedHeap();
            int entries = nb.call(() -> nb.runner.node().externalConnectionCount());
            nb.call(() -> {
                nb.runner.node().flushExternal(false);
                return null;
            });
            long heapFlushed = WorkloadC.settledUsedHeap();
            Phase resync = phase("bulk resync (conntrackd -n)", na, nb, () -> {
                nb.call(() -> {
                    nb.runner.node().requestResync();
                    return null;
                });
                return 0;
            }, () -> nb.call(() -> marked(nb.runner.node().externalConnections())), conns);
            return new Result(conns, List.of(steady, updates, resync), heapFull, heapFlushed, entries,
                na.runner.overruns());
        } finally {
            a.close();
            b.close();
        }
    }

    /** Lets A's node take in the events so far every {@link #CHUNK} changes: its inbox is bounded, as netlink's. */
    private static void drainEvery(Node na, int i) throws Exception {
        if (i % CHUNK == CHUNK - 1) {
            na.call(() -> null);
        }
    }

    private static int marked(List<SyncConnection> l) {
        int n = 0;
        for (SyncConnection c : l) {
            if (c.mark() != null && c.mark() == 1) {
                n++;
            }
        }
        return n;
    }

    /** Connection {@code i}: 198.51.100.0/24 clients to 203.0.113.0/24 servers, distinct port pairs. */
    private static void tuple(Tuple t, int i) {
        t.family = Family.IPV4;
        t.proto = IpProto.TCP;
        t.srcHi = 0;
        t.dstHi = 0;
        t.srcLo = 0xc6336400L | (i & 0xff);
        t.dstLo = 0xcb007100L | ((i >>> 8) & 0xff);
        t.srcPort = 1024 + (i >>> 16);
        t.dstPort = 443;
    }

    /** What a phase does to A; returns how many changes it made. */
    @FunctionalInterface
    private interface Work {
        int run() throws Exception;
    }

    /** How many of B's external entries are as the phase wants them (read on B's node thread). */
    @FunctionalInterface
    private interface Count {
        int get() throws Exception;
    }

    private static Phase phase(String name, Node na, Node nb, Work work, Count done, int want) throws Exception {
        long[] sent0 = na.datagrams();
        long[] recv0 = nb.datagrams();
        long msgs0 = nb.call(() -> messages(nb));
        long lost0 = nb.call(() -> nb.runner.node().recvStats().lost);
        long cpu0 = CpuClock.processCpuNanos();
        long t0 = System.nanoTime();
        work.run();
        String failure = null;
        int have;
        while ((have = done.get()) < want) {
            if (System.nanoTime() - t0 > PHASE_LIMIT_NANOS) {
                failure = "B's external cache held " + have + " of " + want + " after "
                    + PHASE_LIMIT_NANOS / 1_000_000_000L + " s";
                break;
            }
            Thread.sleep(5);
        }
        long nanos = System.nanoTime() - t0;
        long cpu = CpuClock.processCpuNanos() - cpu0;
        long[] sent = na.datagrams();
        long[] recv = nb.datagrams();
        return new Phase(name, nanos, nb.call(() -> messages(nb)) - msgs0, sent[0] - sent0[0], recv[1] - recv0[1],
            nb.call(() -> nb.runner.node().recvStats().lost) - lost0, cpu, failure);
    }

    /** Sync messages B's external cache took in: entries added and updated. */
    private static long messages(Node nb) {
        Cache.Stats s = nb.runner.node().externalCacheStats();
        return s.addOk + s.updOk;
    }
}
