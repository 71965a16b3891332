package org.conntrack4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.osgi.service.log.LogLevel;
import org.junit.jupiter.api.Test;

/** The rig runs the real engine (here with the generic tracker only) and records what it did and logged. */
class RigTest {
    private static final byte[] GRE = Packets.ip("198.51.100.10", "203.0.113.10", IpProto.GRE,
        Packets.gre(0, 0x0800, 0));

    @Test
    void aPacketGoesThroughTheHooksAndItsEventsAreRecorded() {
        try (Rig rig = new Rig(new Plugins(), "kit", EventLog.COMPACT)) {
            Rig.Result r = rig.forward(GRE);
            assertEquals("new/original", r.verdict());
            assertTrue(r.accepted());
            assertEquals(List.of("[NEW] ipv4 2 gre 47 600 src=198.51.100.10 dst=203.0.113.10 [UNREPLIED] "
                + "src=203.0.113.10 dst=198.51.100.10"), rig.events().lines());
            assertEquals(1, rig.table().size());
            rig.advance(599).expire();
            assertEquals(1, rig.table().size());
            rig.advance(2).expire();
            assertEquals(List.of(), rig.table());
            assertTrue(rig.events().lines().get(1).startsWith("[DESTROY]"), rig.events().lines().toString());
        }
    }

    @Test
    void aHookFunctionThatThrowsDropsThePacketAndIsLogged() {
        LogRecorder log = new LogRecorder("org.conntrack4j.core", LogLevel.WARN);
        try (Rig rig = new Rig(new Plugins().logTo(log))) {
            Registration broken = rig.net().packets().registerHook(Family.INET, Hook.FORWARD, 0, p -> {
                throw new IllegalStateException("a plug-in bug");
            }, "broken plug-in");
            Rig.Result r = rig.pass(GRE, Hook.PRE_ROUTING, Hook.FORWARD, Hook.POST_ROUTING);
            assertEquals(Verdict.DROP, r.verdict);
            assertNull(r.bytes());
            assertEquals(List.of("WARN hook function of broken plug-in failed; packet dropped"), log.lines());
            assertTrue(log.entries().get(0).exception() instanceof IllegalStateException);
            broken.close();
        }
    }

    @Test
    void theFactoryMakesEnginesWithDefragmentation() {
        Conntrack net = new Plugins().factory().create("kit-factory", new ManualClock(250), Map.of(), false);
        try {
            byte[] first = Packets.ip("198.51.100.10", "203.0.113.10").id(9).fragment(0x2000)
                .payload(IpProto.UDP, Packets.udp(40000, 53, new byte[24])).build();
            Packet p = Packets.packet(first);
            net.packets().runHook(Hook.PRE_ROUTING, p);
            assertEquals(Packet.DEFRAG_HELD, p.defrag, "held until the datagram is whole");
        } finally {
            net.close();
        }
    }

    @Test
    void aBareRigSeesFragmentsAsTheyComeUnlessAsked() {
        byte[] first = Packets.ip("198.51.100.10", "203.0.113.10").id(9).fragment(0x2000)
            .payload(IpProto.UDP, Packets.udp(40000, 53, new byte[24])).build();
        try (Rig rig = new Rig(new Plugins())) {
            assertEquals(Packet.DEFRAG_PASSED, rig.forward(first).packet.defrag);
        }
        try (Rig rig = new Rig(new Plugins()).defrag()) {
            assertEquals(Packet.DEFRAG_HELD, rig.forward(first).packet.defrag);
        }
    }

    @Test
    void theLogRecorderFormatsAsTheLogServiceDoes() {
        LogRecorder log = new LogRecorder("x", LogLevel.INFO);
        Exception e = new Exception("e");
        log.info("a {} b {}", 1, 2);
        log.warn("{} failed", "y", e);
        log.debug("not recorded");
        assertEquals(List.of("INFO a 1 b 2", "WARN y failed"), log.lines());
        assertEquals(e, log.entries().get(1).exception());
        assertTrue(log.isInfoEnabled() && !log.isDebugEnabled());
    }
}
