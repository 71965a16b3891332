package org.conntrack4j.sync.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncTuple;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.mode.FtfwMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * FTFW over a link that loses and reorders datagrams: after the traffic stops, the peer's external cache
 * holds exactly the sender's live connections in their last state, and the counters show that it took
 * NACKs and resends to get there.
 */
class FtfwLossTest {
    static final String CONF = """
            Sync {
                Mode FTFW {
                    ResendQueueSize 131072
                    ACKWindowSize 50
                }
                UDP {
                    IPv4_address 192.0.2.1
                    IPv4_Destination_Address 192.0.2.2
                    Port 3780
                    Interface sync0
                }
            }
            General {
                HashSize 8192
            }
            """;

    static SyncConnection conn(int i, int state, boolean assured) throws Exception {
        SyncTuple t = new SyncTuple(InetAddress.getByName("198.51.100." + (2 + i % 200)),
                InetAddress.getByName("203.0.113.2"), 6, 10000 + i, 80);
        return SyncConnection.builder(t).reply(t.inverted())
                .status(SyncConnection.IPS_CONFIRMED | (assured ? SyncConnection.IPS_ASSURED
                        | SyncConnection.IPS_SEEN_REPLY : 0))
                .tcp(new SyncConnection.Tcp(state, 7, 7)).timeout(432000L).build();
    }

    @ParameterizedTest(name = "loss {0}, reordering up to {1} us, seed {2}")
    @CsvSource({"0.05, 20000, 1", "0.05, 20000, 2", "0.20, 50000, 3", "0.30, 5000, 4"})
    void convergesWithNothingLost(double loss, long reorderMicros, long seed) throws Exception {
        SyncConfig ca = ConfParser.parse("a.conf", CONF);
        SyncConfig cb = ConfParser.parse("b.conf", CONF);
        LossyLinkSimulation sim = new LossyLinkSimulation(ca, cb, null, loss, reorderMicros, seed);
        sim.a.start();
        sim.b.start();
        // both sides say HELLO until answered; what is lost meanwhile goes unnoticed (as in conntrackd),
        // so the traffic starts once the handshake is done
        for (int i = 0; i < 60 && !(((FtfwMode) sim.a.mode()).helloDone() && ((FtfwMode) sim.b.mode()).helloDone());
                i++) {
            sim.runUntil(sim.now + 1_000_000L);
        }
        assertTrue(((FtfwMode) sim.a.mode()).helloDone() && ((FtfwMode) sim.b.mode()).helloDone(), "hello");
        Random r = new Random(seed);
        int n = 400;
        // connections come, change state and go, in bursts over ten seconds
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        for (int i = 0; i < n; i++) {
            int id = order.get(i);
            long t0 = sim.now + 1_000_000L + r.nextInt(10_000_000);
            sim.at(t0, () -> event(sim, 0, id, 1, false));
            sim.at(t0 + 20_000, () -> event(sim, 1, id, 3, true));
            if (id % 3 == 0) {
                sim.at(t0 + 500_000 + r.nextInt(2_000_000), () -> event(sim, 2, id, 7, true));
            } else if (id % 3 == 1) {
                sim.at(t0 + 300_000 + r.nextInt(3_000_000), () -> event(sim, 1, id, 4, true));
            }
        }
        sim.runUntil(sim.now + 60_000_000L);

        Map<String, String> want = new TreeMap<>();
        for (SyncConnection c : sim.a.internalConnections()) {
            want.put(c.orig().toString(), c.tcp().state() + "/" + c.status());
        }
        Map<String, String> got = new TreeMap<>();
        for (SyncConnection c : sim.b.externalConnections()) {
            got.put(c.orig().toString(), c.tcp().state() + "/" + c.status());
        }
        assertEquals(n - (n + 2) / 3, want.size());
        for (Map.Entry<String, String> e : want.entrySet()) {
            assertEquals(e.getValue(), got.get(e.getKey()), e.getKey());
        }
        assertEquals(want.size(), got.size(), "peer's entries");
        long resent = ((FtfwMode) sim.a.mode()).resent();
        assertTrue(sim.dropped > 0, "datagrams dropped");
        assertTrue(resent > 0, "messages resent after NACKs: " + resent);
        assertTrue(sim.b.recvStats().lost > 0, "losses seen by the peer");
        // every state message was acknowledged in the end
        assertEquals(0, ((FtfwMode) sim.a.mode()).unacknowledgedObjects(), "state messages left to resend");
    }

    private static void event(LossyLinkSimulation sim, int kind, int id, int state, boolean assured) {
        try {
            sim.a.connectionEvent(kind, conn(id, state, assured), SyncEvents.Origin.ENGINE);
            sim.a.runPending();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
