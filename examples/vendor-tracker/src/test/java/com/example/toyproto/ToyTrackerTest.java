package com.example.toyproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The toy tracker in the real engine, through the test kit alone: no framework, nothing of the engine's inside. */
class ToyTrackerTest {
    private static final String CLIENT = "198.51.100.2";
    private static final String SERVER = "203.0.113.10";

    private final Plugins plugins = new Plugins();
    /** The tracker as a registered service; close() is the service leaving (the bundle stopped). */
    private final Registration tracker = plugins.addTracker(new ToyTracker(), ToyTracker.PROTO);
    private final Rig rig = new Rig(plugins, "toy", EventLog.COMPACT);
    private final List<String> events = rig.events().lines();

    @AfterEach
    void close() {
        rig.close();
    }

    /** A toy message from src:sport to dst:dport. */
    private static byte[] toy(String src, int sport, String dst, int dport, int type) {
        byte[] h = new byte[ToyTracker.HEADER];
        h[0] = (byte) (sport >> 8);
        h[1] = (byte) sport;
        h[2] = (byte) (dport >> 8);
        h[3] = (byte) dport;
        h[4] = (byte) type;
        return Packets.ip(src, dst, ToyTracker.PROTO, h);
    }

    @Test
    void aConnectionIsKeyedByPortsAndPrintedWithThem() {
        Rig.Result r = rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.OPEN));
        assertEquals("new/original", r.verdict());
        assertEquals(30, rig.snapshot(r.ct).timeoutSeconds());
        // conntrack-tools names the protocols it knows; 253 it prints "unknown", with our tracker's ports
        assertTrue(events.get(0).contains("unknown 253 30 src=198.51.100.2 dst=203.0.113.10 sport=4000 dport=7 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.2 sport=7 dport=4000"), events.toString());
        assertEquals("new/original", rig.forward(toy(CLIENT, 4001, SERVER, 7, ToyTracker.OPEN)).verdict(),
            "another source port, another connection");
    }

    @Test
    void aRepliedConnectionIsAssuredWithTheStreamTimeoutAndAClosedOneShortensIt() {
        rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.OPEN));
        assertEquals("established/reply", rig.forward(toy(SERVER, 7, CLIENT, 4000, ToyTracker.DATA)).verdict());
        Rig.Result r = rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.DATA));
        assertTrue(r.ct.hasStatus(Status.ASSURED));
        assertEquals(120, rig.snapshot(r.ct).timeoutSeconds());
        assertTrue(events.stream().anyMatch(e -> e.contains("[ASSURED]")), events.toString());

        r = rig.forward(toy(SERVER, 7, CLIENT, 4000, ToyTracker.CLOSE));
        assertEquals(10, rig.snapshot(r.ct).timeoutSeconds());
        rig.advance(11).expire();
        assertEquals(List.of(), rig.table());
    }

    @Test
    void itsTimeoutsAreSettingsOfEachEngine() {
        rig.set("toy_timeout", 5);
        Rig.Result r = rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.OPEN));
        assertEquals(5, rig.snapshot(r.ct).timeoutSeconds());
    }

    @Test
    void aShortHeaderOrAnUnknownTypeIsInvalid() {
        byte[] shortOne = Packets.ip(CLIENT, SERVER, ToyTracker.PROTO, new byte[] {0x0f, (byte) 0xa0, 0, 7});
        assertEquals("invalid", rig.forward(shortOne).state);
        Rig.Result r = rig.forward(toy(CLIENT, 4000, SERVER, 7, 9));
        assertEquals("invalid", r.state);
        assertEquals("unknown message type 9", r.reason);
        assertEquals(List.of(), rig.table(), "an invalid packet makes no connection");
    }

    @Test
    void whenTheTrackerLeavesItsConnectionsGoAndTheGenericTrackerServesTheProtocol() {
        rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.OPEN));
        tracker.close();
        assertTrue(events.get(events.size() - 1).startsWith("[DESTROY]"), events.toString());
        assertEquals(List.of(), rig.table());
        Rig.Result r = rig.forward(toy(CLIENT, 4000, SERVER, 7, ToyTracker.OPEN));
        assertEquals("new/original", r.verdict());
        assertTrue(rig.table().get(0).contains("unknown 253 600 src=198.51.100.2 dst=203.0.113.10 [UNREPLIED]"),
            "the generic tracker: addresses only, its 600 s; " + rig.table());
    }
}
