package org.conntrack4j.proto.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
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
 * A UDP flood and a fragment flood against a full engine, counted as Linux counts them. UDP streams (replied, still
 * active after two seconds: ASSURED) survive both; one-way flows are dropped early for the flood's new flows; a
 * flood that finds nothing to drop early is dropped and counted {@code drop}. Fragments that never complete are held
 * within {@code ipfrag_high_thresh} bytes; beyond it each is refused and counted ({@code IpFragOverLimit},
 * {@code IpReasmFails}), and whole datagrams still pass.
 */
class UdpFloodTest {
    private static final int MAX = 64;
    private static final int FLOOD = 2000;
    private static final String SERVER = "203.0.113.10";
    /** More than the memory one flooding fragment is accounted for (its bytes and its queue). */
    private static final long ONE_FRAGMENT = 4096;

    private final Plugins plugins = new Plugins();
    private final Rig rig;

    UdpFloodTest() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        // as many buckets as entries (two slots each), Linux's ratio: early drop's 8 buckets hold a few entries
        rig = new Rig(plugins).defrag().set("nf_conntrack_buckets", MAX).set("nf_conntrack_max", MAX);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    @Test
    void udpFloodOnATableOfStreams_isDroppedAndCounted_andTheStreamsKeepFlowing() {
        streams(0, MAX);
        assertEquals(MAX, rig.connections(c -> c.hasStatus(Status.ASSURED)).size());
        for (int i = 0; i < FLOOD; i++) {
            Rig.Result r = rig.forward(Packets.udp(spoofed(i), 20000 + i, SERVER, 53, new byte[8]));
            assertEquals(Verdict.DROP, r.verdict, "no room and no unassured entry to drop");
            if (i % 400 == 0) {
                for (int s = 0; s < MAX; s++) {
                    assertEquals("established/original", query(s).verdict());
                }
            }
        }
        assertEquals(FLOOD, stat(Stats.DROP));
        assertEquals(0, stat(Stats.EARLY_DROP));
        assertEquals(MAX, count());
    }

    @Test
    void udpFloodOnATableOfOneWayFlows_dropsThemEarly() {
        streams(0, MAX / 2);
        for (int i = MAX / 2; i < MAX; i++) {
            assertEquals("new/original", query(i).verdict());
        }
        int accepted = 0;
        for (int i = 0; i < FLOOD; i++) {
            Rig.Result r = rig.forward(Packets.udp(spoofed(i), 20000 + i, SERVER, 53, new byte[8]));
            accepted += r.accepted() ? 1 : 0;
            assertTrue(count() <= MAX);
        }
        assertEquals(FLOOD - accepted, stat(Stats.DROP), "a datagram not inserted is a counted drop");
        assertEquals(MAX + accepted - count(), stat(Stats.EARLY_DROP), "each entry gone was dropped early");
        assertEquals(0, stat(Stats.INSERT_FAILED));
        assertTrue(accepted > FLOOD / 4, "the flood's own one-way flows are victims too: " + accepted);
        assertEquals(MAX / 2, rig.connections(c -> c.hasStatus(Status.ASSURED)).size(), "every stream survived");
        for (int s = 0; s < MAX / 2; s++) {
            assertEquals("established/original", query(s).verdict());
        }
    }

    @Test
    void fragmentFloodIsHeldWithinTheMemoryLimit_andWholeDatagramsStillPass() {
        long limit = 64 * 1024;
        rig.set("ipfrag_high_thresh", limit).set("ipfrag_low_thresh", limit * 3 / 4);
        streams(0, MAX / 2);
        int stolen = 0;
        long peak = 0;
        for (int i = 0; i < FLOOD; i++) {
            // a first fragment (more fragments set) whose rest never comes, each of its own datagram
            byte[] first = Packets.ip(spoofed(i), SERVER).id(i).fragment(0x2000)
                .payload(IpProto.UDP, Packets.udp(30000 + i, 53, new byte[1200])).build();
            Rig.Result r = rig.forward(first);
            // queued or refused, defragmentation takes the fragment (Linux: NF_STOLEN either way)
            stolen += r.verdict == Verdict.STOLEN ? 1 : 0;
            long memory = defrag("IpFragMemory");
            peak = Math.max(peak, memory);
            // Linux checks the limit before it queues a fragment: one fragment may go past it
            assertTrue(memory <= limit + ONE_FRAGMENT, "reassembly memory " + memory + " above ipfrag_high_thresh "
                + limit);
            if (i % 400 == 0) {
                for (int s = 0; s < MAX / 2; s++) {
                    assertEquals("established/original", query(s).verdict());
                }
            }
        }
        assertEquals(FLOOD, stolen);
        assertTrue(peak > limit / 2, "the queues filled up to the limit: " + peak);
        assertEquals(FLOOD, defrag("IpReasmReqds"));
        assertEquals(0, defrag("IpReasmOKs"));
        long refused = defrag("IpFragOverLimit");
        assertTrue(refused > FLOOD / 2, "fragments refused over the limit are counted: " + refused);
        assertEquals(FLOOD - refused, defrag("IpFragQueues"), "one queue for each fragment taken");
        assertEquals(MAX / 2, count(), "no connection for a datagram that never completed");
        // the queues time out (ipfrag_time, 30 s) and give their memory back
        rig.advance(31);
        rig.forward(Packets.ip(spoofed(0), SERVER).id(FLOOD + 1).fragment(0x2000)
            .payload(IpProto.UDP, Packets.udp(29999, 53, new byte[64])).build());
        assertTrue(defrag("IpFragMemory") < limit / 4, "expired queues released: " + defrag("IpFragMemory"));
    }

    // ---- flows -------------------------------------------------------------------------------------------

    /** Clients [from, to)'s flows to the server's port 53 made streams: query, answer, a query 2 s later. */
    private void streams(int from, int to) {
        for (int i = from; i < to; i++) {
            assertEquals("new/original", query(i).verdict());
            assertEquals("established/reply", rig.forward(Packets.udp(SERVER, 53, client(i), 40000 + i,
                new byte[8])).verdict());
        }
        rig.advance(2.1);
        for (int i = from; i < to; i++) {
            assertEquals("established/original", query(i).verdict());
            assertTrue(rig.connectionWithPort(40000 + i).hasStatus(Status.ASSURED));
        }
    }

    private Rig.Result query(int i) {
        return rig.forward(Packets.udp(client(i), 40000 + i, SERVER, 53, new byte[8]));
    }

    private static String client(int i) {
        return "198.51.100." + (10 + i);
    }

    private static String spoofed(int i) {
        return "192.0.2." + (1 + i % 250);
    }

    private int count() {
        return rig.net().stats().count();
    }

    private long stat(String name) {
        return rig.net().stats().get(name);
    }

    private long defrag(String name) {
        Map<String, Long> d = rig.net().stats().defrag();
        Long v = d.get(name);
        if (v == null) {
            throw new AssertionError("no defrag counter " + name + " in " + d);
        }
        return v;
    }
}
