package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood against a full table ({@code nf_conntrack_max}), counted as Linux counts it. A new connection that
 * finds the table full runs {@code early_drop}: the first of 8 buckets from its own hash that holds confirmed,
 * unassured, live entries loses all of them ({@code early_drop} counts each); when none is found the packet is
 * dropped by conntrack and counted {@code drop}, nothing inserted. Assured connections are never dropped early, and
 * keep flowing through the flood. ({@code insert} stays 0: Linux counts it only for entries ctnetlink creates.)
 *
 * <p>The table has as many buckets as its maximum (two slots each), so that early drop's 8 buckets from a new
 * connection's hash hold a few entries, as Linux's do at that ratio.
 */
class SynFloodTest {
    private static final int MAX = 64;
    private static final int FLOOD = 2000;
    private static final String SERVER = "203.0.113.10";

    private final Plugins plugins = new Plugins();
    private final Rig rig;

    SynFloodTest() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        rig = new Rig(plugins).set("nf_conntrack_buckets", MAX).set("nf_conntrack_max", MAX);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    @Test
    void synFloodOnATableOfHalfOpenConnections_evictsThemAndInsertsTheNewOnes() {
        for (int i = 0; i < MAX; i++) {
            assertEquals("new/original", syn(client(i), 10000 + i).verdict());
        }
        assertEquals(MAX, count());
        int accepted = 0;
        int dropped = 0;
        for (int i = 0; i < FLOOD; i++) {
            Rig.Result r = syn(spoofed(i), 20000 + i % 40000);
            if (r.verdict == Verdict.ACCEPT) {
                accepted++;
            } else {
                assertEquals(Verdict.DROP, r.verdict);
                dropped++;
            }
            assertTrue(count() <= MAX, "the table never holds more than nf_conntrack_max: " + count());
        }
        assertEquals(dropped, stat(Stats.DROP), "a SYN finding no victim in its 8 buckets is a counted drop");
        // every entry is half open: most SYNs find a victim within 8 buckets of 64
        assertTrue(accepted > FLOOD * 3 / 4, accepted + " of " + FLOOD);
        // what went in and is no longer there was dropped early, one count per connection
        assertEquals(MAX + accepted - count(), stat(Stats.EARLY_DROP));
        assertEquals(0, stat(Stats.INSERT_FAILED));
        assertEquals(0, stat(Stats.INSERT));
    }

    @Test
    void synFloodOnATableOfAssuredConnections_isDroppedAndCounted_andTheyKeepFlowing() {
        List<Conversation> established = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            established.add(new Conversation(client(i), 10000 + i).open());
        }
        assertEquals(MAX, count());
        for (int i = 0; i < FLOOD; i++) {
            Rig.Result r = syn(spoofed(i), 20000 + i % 40000);
            assertEquals(Verdict.DROP, r.verdict, "no room and nothing to drop early");
            assertEquals("invalid/none", r.verdict(), "conntrack attached nothing");
            if (i % 500 == 0) {
                // the data of established connections goes on between the flood's packets
                for (Conversation c : established) {
                    c.data();
                }
            }
        }
        assertEquals(FLOOD, stat(Stats.DROP));
        assertEquals(0, stat(Stats.EARLY_DROP));
        assertEquals(0, stat(Stats.INSERT_FAILED));
        assertEquals(MAX, count());
        // the expiry scan after a full-table miss does not take assured established connections either
        rig.advance(5).expire();
        assertEquals(MAX, count());
        for (Conversation c : established) {
            c.data();
            assertTrue(c.ct().hasStatus(Status.ASSURED));
        }
    }

    @Test
    void synFloodOnAHalfAssuredTable_evictsOnlyTheHalfOpen() {
        List<Conversation> established = new ArrayList<>();
        for (int i = 0; i < MAX / 2; i++) {
            established.add(new Conversation(client(i), 10000 + i).open());
        }
        for (int i = MAX / 2; i < MAX; i++) {
            syn(client(i), 10000 + i);
        }
        assertEquals(MAX, count());
        int accepted = 0;
        for (int i = 0; i < FLOOD; i++) {
            Rig.Result r = syn(spoofed(i), 20000 + i % 40000);
            accepted += r.verdict == Verdict.ACCEPT ? 1 : 0;
            assertTrue(count() <= MAX);
        }
        assertEquals(FLOOD - accepted, stat(Stats.DROP), "every SYN not inserted is a counted drop");
        assertEquals(MAX + accepted - count(), stat(Stats.EARLY_DROP));
        assertEquals(0, stat(Stats.INSERT_FAILED));
        assertTrue(accepted > FLOOD / 4, "many SYNs find a half-open victim: " + accepted);
        for (Conversation c : established) {
            c.data();
        }
        assertEquals(MAX / 2, rig.connections(c -> c.hasStatus(Status.ASSURED)).size(),
            "no assured connection was dropped");
    }

    // ---- packets ---------------------------------------------------------------------------------------------

    private static String client(int i) {
        return "198.51.100." + (10 + i % 200);
    }

    /** Flooding sources all over a /16 of documentation space's neighbours (any address will do for conntrack). */
    private static String spoofed(int i) {
        return "192.0.2." + (1 + i % 250);
    }

    private Rig.Result syn(String src, int sport) {
        return rig.forward(Packets.tcp(src, sport, SERVER, 80, 1000, 0, Packets.SYN, new byte[0]));
    }

    private int count() {
        return rig.net().stats().count();
    }

    private long stat(String name) {
        return rig.net().stats().get(name);
    }

    /** An established connection: handshake, a data segment each way (ASSURED), more data on demand. */
    private final class Conversation {
        final String client;
        final int port;
        int cseq = 1000;
        int sseq = 50000;

        Conversation(String client, int port) {
            this.client = client;
            this.port = port;
        }

        Conversation open() {
            assertEquals("new/original", rig.forward(tcp(true, Packets.SYN, 0)).verdict());
            cseq++;
            assertEquals("established/reply", rig.forward(tcp(false, Packets.SYN | Packets.ACK, 0)).verdict());
            sseq++;
            assertEquals("established/original", rig.forward(tcp(true, Packets.ACK, 0)).verdict());
            data();
            assertTrue(ct().hasStatus(Status.ASSURED));
            return this;
        }

        void data() {
            Rig.Result a = rig.forward(tcp(true, Packets.PSH | Packets.ACK, 10));
            assertEquals("established/original", a.verdict());
            assertTrue(a.accepted());
            cseq += 10;
            Rig.Result b = rig.forward(tcp(false, Packets.PSH | Packets.ACK, 10));
            assertEquals("established/reply", b.verdict());
            assertTrue(b.accepted());
            sseq += 10;
        }

        org.conntrack4j.core.api.Connection ct() {
            return rig.connectionWithPort(port);
        }

        private byte[] tcp(boolean fromClient, int flags, int len) {
            byte[] data = new byte[len];
            return fromClient ? Packets.tcp(client, port, SERVER, 80, cseq, flags == Packets.SYN ? 0 : sseq, flags, data)
                : Packets.tcp(SERVER, 80, client, port, sseq, cseq, flags, data);
        }
    }
}
