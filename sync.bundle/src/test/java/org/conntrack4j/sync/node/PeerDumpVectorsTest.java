package org.conntrack4j.sync.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.conntrack4j.sync.Vectors;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our node in the place of the recorded peer: configured from the peer's own conntrackd.conf, fed the
 * datagrams the real router sent, on the capture's clock. At each moment the real peer's cache was
 * dumped, ours prints the same text: {@code conntrackd -e}, {@code -e expect}, the order of the entries
 * (conntrackd's hash buckets), their ages and ALARM's expiry times included.
 */
class PeerDumpVectorsTest {
    private long now;

    private List<Long> wakeups;
    /** When the real peer was asked {@code conntrackd -n}: ours asks for a resync then too. */
    private List<Long> resyncs;
    private int w;

    /** The node wakes up on its timers' deadlines and whenever the real peer was awake, in time order. */
    private void wakeUpsUntil(SyncNode node, long t) {
        while (true) {
            long next = Math.min(node.nextDeadline(), w < wakeups.size() ? wakeups.get(w) : Long.MAX_VALUE);
            if (next > t) {
                return;
            }
            boolean command = w < wakeups.size() && wakeups.get(w) == next;
            if (command) {
                w++;
            }
            now = next;
            if (command && resyncs.contains(next)) {
                node.requestResync();
            }
            node.runPending();
        }
    }

    /**
     * Whether the router datagram {@code i} is read in the same turn of the loop as the one before it, with
     * the time taken before that one: conntrackd's channel handler reads until the socket is empty (up to
     * EventIterationLimit). Datagrams closer than 200 µs are taken as read together when {@code together}.
     */
    private static boolean readInTheSameTurn(List<Vectors.Datagram> wire, int i, boolean together) {
        for (int j = i + 1; together && j < wire.size(); j++) {
            if (wire.get(j).fromRouter()) {
                return wire.get(j).micros() - wire.get(i).micros() < 200;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern EXPIRES = java.util.regex.Pattern.compile(" \\[expires in (\\d+)s\\]");

    private static long expiresIn(String line) {
        java.util.regex.Matcher m = EXPIRES.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The expected text, where a line differs from ours only in ALARM's "[expires in Ns]" by a value the real
     * daemon could have printed, taken as ours. The daemon starts that timer from the time its loop last woke
     * up, and a capture cannot show every wake-up (its own netlink events, the datagrams one turn read): the
     * true start lies between the earliest turn ours could have had ({@code early}: datagrams close together
     * read in one turn) and the latest ({@code got}: each in its own), give or take the second it was printed
     * in. Every other difference stays.
     */
    static String sameUpToExpiry(String want, String got, String early) {
        String[] w = want.split("\n", -1);
        String[] g = got.split("\n", -1);
        String[] e = early.split("\n", -1);
        if (w.length != g.length || e.length != g.length) {
            return want;
        }
        for (int i = 0; i < w.length; i++) {
            long ew = expiresIn(w[i]);
            long lo = Math.min(expiresIn(g[i]), expiresIn(e[i])) - 1;
            long hi = Math.max(expiresIn(g[i]), expiresIn(e[i])) + 1;
            if (!w[i].equals(g[i]) && ew >= 0 && expiresIn(g[i]) >= 0 && ew >= lo && ew <= hi
                    && EXPIRES.matcher(w[i]).replaceAll("").equals(EXPIRES.matcher(g[i]).replaceAll(""))
                    && EXPIRES.matcher(e[i]).replaceAll("").equals(EXPIRES.matcher(g[i]).replaceAll(""))) {
                w[i] = g[i];
            }
        }
        return String.join("\n", w);
    }

    /** The dumps of ours at the moments the real peer's were taken: {@code dumps[k][0]} names each. */
    private List<String> run(String scenario, String[][] dumps, boolean together) throws Exception {
        SyncConfig cfg = ConfParser.parse("peer.conf", Vectors.text(scenario, "peer.conf"));
        List<Vectors.Datagram> wire = Vectors.wire(scenario);
        // the real peer woke up when it started, when it was asked something and when it sent: its cached
        // clock (entry ages, timer starts) moved then
        List<Long> wakeups = new java.util.ArrayList<>(Vectors.timeline(scenario, "peer"));
        resyncs = Vectors.timeline(scenario, "peer", "conntrackd -n");
        for (Vectors.Datagram g : wire) {
            if (!g.fromRouter()) {
                // the loop turns after a send: a router datagram that came in meanwhile was taken before
                wakeups.add(g.micros() + 1000);
            }
        }
        java.util.Collections.sort(wakeups);
        this.wakeups = wakeups;
        now = wakeups.get(0);
        w = 1;
        SyncNode node = new SyncNode(cfg, List.of(new FakeLink(1472)), null, () -> now, new Random(1), m -> { });
        node.start();
        List<String> out = new java.util.ArrayList<>();
        int i = 0;
        for (String[] d : dumps) {
            Vectors.Dump want = Vectors.dump(scenario, d[0]);
            for (; i < wire.size() && wire.get(i).micros() <= want.micros(); i++) {
                Vectors.Datagram g = wire.get(i);
                if (g.fromRouter()) {
                    wakeUpsUntil(node, g.micros());
                    now = g.micros();
                    node.received(0, g.payload(), 0, g.payload().length);
                    if (!readInTheSameTurn(wire, i, together)) {
                        node.runPending();
                    }
                }
            }
            wakeUpsUntil(node, want.micros());
            now = want.micros();
            out.add(node.dumpExternal(d[1].equals("exp")));
        }
        assertEquals(0, node.recvStats().malformed);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void externalCacheDumpsAsTheRealPeers(String scenario) throws Exception {
        String[][] dumps = scenario.startsWith("alarm")
                ? new String[][] {{"1-traffic-peer-e-ct", "ct"}, {"1-traffic-peer-e-expect", "exp"},
                    {"3-flush-peer-e-ct", "ct"}}
                : new String[][] {{"1-traffic-peer-e-ct", "ct"}, {"1-traffic-peer-e-expect", "exp"},
                    {"2-resync-peer-e-ct", "ct"}, {"3-flush-peer-e-ct", "ct"}};
        List<String> late = run(scenario, dumps, false);
        List<String> early = run(scenario, dumps, true);
        int compared = 0;
        for (int k = 0; k < dumps.length; k++) {
            String want = Vectors.dump(scenario, dumps[k][0]).text();
            String got = late.get(k);
            assertEquals(sameUpToExpiry(want, got, early.get(k)), got, scenario + " " + dumps[k][0]);
            compared += got.isEmpty() ? 0 : 1;
        }
        assertTrue(compared >= 2, "non-empty dumps compared: " + compared);
    }
}
