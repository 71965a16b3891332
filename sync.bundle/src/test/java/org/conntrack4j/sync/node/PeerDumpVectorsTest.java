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
     * conntrackd's channel handler reads datagrams until the socket is empty (up to EventIterationLimit), all
     * with the time its loop took before it waited: a router datagram that arrived while the one before it was
     * handled is read in the same turn. How long handling takes the capture cannot show; 200 µs is taken.
     */
    private static boolean readInTheSameTurn(List<Vectors.Datagram> wire, int i) {
        for (int j = i + 1; j < wire.size(); j++) {
            if (wire.get(j).fromRouter()) {
                return wire.get(j).micros() - wire.get(i).micros() < 200;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern EXPIRES = java.util.regex.Pattern.compile(" \\[expires in (\\d+)s\\]");

    /**
     * The expected text, where a line differs from ours only by one second in ALARM's "[expires in Ns]",
     * taken as ours: the real daemon starts that timer from the time its loop last woke up, and a capture
     * cannot show every wake-up (its own netlink events, how many datagrams one wake-up took). Every other
     * difference stays.
     */
    static String sameUpToExpiry(String want, String got) {
        String[] w = want.split("\n", -1);
        String[] g = got.split("\n", -1);
        if (w.length != g.length) {
            return want;
        }
        for (int i = 0; i < w.length; i++) {
            java.util.regex.Matcher mw = EXPIRES.matcher(w[i]);
            java.util.regex.Matcher mg = EXPIRES.matcher(g[i]);
            if (!w[i].equals(g[i]) && mw.find() && mg.find()
                    && Math.abs(Long.parseLong(mw.group(1)) - Long.parseLong(mg.group(1))) == 1
                    && EXPIRES.matcher(w[i]).replaceAll("").equals(EXPIRES.matcher(g[i]).replaceAll(""))) {
                w[i] = g[i];
            }
        }
        return String.join("\n", w);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void externalCacheDumpsAsTheRealPeers(String scenario) throws Exception {
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
        String[][] dumps = scenario.startsWith("alarm")
                ? new String[][] {{"1-traffic-peer-e-ct", "ct"}, {"1-traffic-peer-e-expect", "exp"},
                    {"3-flush-peer-e-ct", "ct"}}
                : new String[][] {{"1-traffic-peer-e-ct", "ct"}, {"1-traffic-peer-e-expect", "exp"},
                    {"2-resync-peer-e-ct", "ct"}, {"3-flush-peer-e-ct", "ct"}};
        int i = 0;
        int compared = 0;
        for (String[] d : dumps) {
            Vectors.Dump want = Vectors.dump(scenario, d[0]);
            for (; i < wire.size() && wire.get(i).micros() <= want.micros(); i++) {
                Vectors.Datagram g = wire.get(i);
                if (g.fromRouter()) {
                    wakeUpsUntil(node, g.micros());
                    now = g.micros();
                    node.received(0, g.payload(), 0, g.payload().length);
                    if (!readInTheSameTurn(wire, i)) {
                        node.runPending();
                    }
                }
            }
            wakeUpsUntil(node, want.micros());
            now = want.micros();
            String got = node.dumpExternal(d[1].equals("exp"));
            assertEquals(sameUpToExpiry(want.text(), got), got, scenario + " " + d[0]);
            compared += got.isEmpty() ? 0 : 1;
        }
        assertTrue(compared >= 2, "non-empty dumps compared: " + compared);
        assertEquals(0, node.recvStats().malformed);
    }
}
