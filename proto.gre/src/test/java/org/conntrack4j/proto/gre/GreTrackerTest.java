package org.conntrack4j.proto.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The GRE tracker through the test kit alone, as a vendor would test theirs. */
class GreTrackerTest {
    private final Rig rig;
    private final List<String> events;
    private final Registration keymaps;

    GreTrackerTest() {
        Plugins plugins = new Plugins();
        plugins.addTracker(new GreTracker(), IpProto.GRE);
        keymaps = plugins.addExtension(new GreKeymaps(), "gre-keymap");
        rig = new Rig(plugins, "gre", EventLog.COMPACT);
        events = rig.events().lines();
    }

    @AfterEach
    void close() {
        rig.close();
    }

    /** A GRE packet from a to b; version 1 carries PPP and a call id. */
    private static byte[] gre(String src, String dst, int version, int callId) {
        return Packets.ip(src, dst, IpProto.GRE, Packets.gre(version, version == 1 ? 0x880b : 0x0800, callId));
    }

    private String pass(byte[] ip) {
        return rig.forward(ip).state;
    }

    @Test
    void enhancedGreIsKeyedByCallIdAndPrintedWithKeys() {
        assertEquals("new", pass(gre("198.51.100.2", "203.0.113.10", 1, 0x1234)));
        assertEquals("[NEW] ipv4 2 gre 47 30 src=198.51.100.2 dst=203.0.113.10 srckey=0x0 dstkey=0x1234 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.2 srckey=0x1234 dstkey=0x0", events.get(0));
    }

    @Test
    void plainGreIsTrackedByAddressesAndBecomesAStreamWhenReplied() {
        assertEquals("new", pass(gre("10.0.0.1", "10.0.0.2", 0, 0)));
        assertEquals("established", pass(gre("10.0.0.2", "10.0.0.1", 0, 0)));
        assertEquals("established", pass(gre("10.0.0.1", "10.0.0.2", 0, 0)));
        assertTrue(events.get(events.size() - 1).contains("180") && events.get(events.size() - 1).contains("[ASSURED]"),
            events.toString());
    }

    @Test
    void enhancedGreThatIsNotPppIsRefused() {
        byte[] p = gre("10.0.0.1", "10.0.0.2", 1, 7);
        p[22] = 0x08;
        p[23] = 0x00;
        assertEquals("invalid", pass(p));
    }

    @Test
    void theKeyMapGivesEnhancedGreItsSourceKey() {
        // a connection to stand for the PPTP control connection that owns the mapping
        Connection control = rig.forward(gre("198.51.100.3", "203.0.113.10", 0, 0)).ct;
        GreKeymap keymap = rig.net().services().extension(GreKeymap.class);
        Tuple t = new Tuple().ipv4(0xc6336402, 0xcb00710a);
        t.srcPort = 0x101;
        t.dstPort = 0x4001;
        keymap.add(control, Direction.ORIGINAL, t);
        events.clear();
        assertEquals("new", pass(gre("198.51.100.2", "203.0.113.10", 1, 0x4001)));
        assertTrue(events.get(0).contains("src=198.51.100.2 dst=203.0.113.10 srckey=0x101 dstkey=0x4001 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.2 srckey=0x4001 dstkey=0x101"), events.toString());
        keymap.destroy(control);
        assertEquals("new", pass(gre("198.51.100.2", "203.0.113.10", 1, 0x4001)), "a connection of its own: key 0");
    }

    @Test
    void theKeyMapLeavesWithItsExtension() {
        assertNotNull(rig.net().services().extension(GreKeymap.class));
        keymaps.close();
        assertNull(rig.net().services().extension(GreKeymap.class));
        assertEquals("new", pass(gre("198.51.100.2", "203.0.113.10", 1, 0x4001)), "key 0 without a map");
    }
}
