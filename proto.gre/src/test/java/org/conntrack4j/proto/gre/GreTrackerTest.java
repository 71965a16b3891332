package org.conntrack4j.proto.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.junit.jupiter.api.Test;

class GreTrackerTest {
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final List<String> events = new ArrayList<>();
    private final GreKeymaps keymaps = new GreKeymaps();

    private Engine engine() {
        reg.addTracker(new GreTracker(), 47, true, true, reg.localId(), 0, "gre");
        reg.addExtension(keymaps, "gre-keymap", reg.localId(), 0, "gre");
        clock.setWallNanos(1_000_000_000_000L);
        Engine net = new Engine(reg, "gre", clock, 1);
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false).replaceAll("\\s+", " ").trim());
            }
        }, true);
        return net;
    }

    /** A GRE packet from a to b; version 1 carries PPP and a call id. */
    private static Packet gre(int src, int dst, int version, int callId) {
        int total = 20 + 8;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, 47);
        p.put32(12, src);
        p.put32(16, dst);
        p.put16(10, Checksum.ipv4Header(p));
        p.put16(20, version == 1 ? 0x2001 : 0);
        p.put16(22, version == 1 ? 0x880b : 0x0800);
        p.put16(24, 0);
        p.put16(26, callId);
        IpHeaders.validate(p);
        return p;
    }

    private static String pass(Engine net, Packet p) {
        net.runHook(Hook.PRE_ROUTING, p);
        String s = CtInfo.stateName(p.ct != null, p.ctinfo);
        net.runHook(Hook.POST_ROUTING, p);
        return s;
    }

    @Test
    void enhancedGreIsKeyedByCallIdAndPrintedWithKeys() {
        Engine net = engine();
        assertEquals("new", pass(net, gre(0xc6336402, 0xcb00710a, 1, 0x1234)));
        assertEquals("[NEW] ipv4 2 gre 47 30 src=198.51.100.2 dst=203.0.113.10 srckey=0x0 dstkey=0x1234 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.2 srckey=0x1234 dstkey=0x0", events.get(0).replaceAll(" id=\\d+", ""));
        net.close();
    }

    @Test
    void plainGreIsTrackedByAddressesAndBecomesAStreamWhenReplied() {
        Engine net = engine();
        assertEquals("new", pass(net, gre(0x0a000001, 0x0a000002, 0, 0)));
        assertEquals("established", pass(net, gre(0x0a000002, 0x0a000001, 0, 0)));
        assertEquals("established", pass(net, gre(0x0a000001, 0x0a000002, 0, 0)));
        assertTrue(events.get(events.size() - 1).contains("180") && events.get(events.size() - 1).contains("[ASSURED]"),
            events.toString());
        net.close();
    }

    @Test
    void enhancedGreThatIsNotPppIsRefused() {
        Engine net = engine();
        Packet p = gre(0x0a000001, 0x0a000002, 1, 7);
        p.put16(22, 0x0800);
        assertEquals("invalid", pass(net, p));
        net.close();
    }

    @Test
    void theKeyMapGivesEnhancedGreItsSourceKey() {
        Engine net = engine();
        // a connection to stand for the PPTP control connection that owns the mapping
        Packet control = gre(0xc6336403, 0xcb00710a, 0, 0);
        pass(net, control);
        GreKeymap keymap = net.extension(GreKeymap.class);
        Tuple t = new Tuple().ipv4(0xc6336402, 0xcb00710a);
        t.srcPort = 0x101;
        t.dstPort = 0x4001;
        keymap.add(control.ct, Direction.ORIGINAL, t);
        events.clear();
        assertEquals("new", pass(net, gre(0xc6336402, 0xcb00710a, 1, 0x4001)));
        assertTrue(events.get(0).contains("src=198.51.100.2 dst=203.0.113.10 srckey=0x101 dstkey=0x4001 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.2 srckey=0x4001 dstkey=0x101"), events.toString());
        keymap.destroy(control.ct);
        assertEquals("new", pass(net, gre(0xc6336402, 0xcb00710a, 1, 0x4001)), "a connection of its own: key 0");
        net.close();
    }

    @Test
    void theKeyMapLeavesWithItsExtension() {
        Engine net = engine();
        assertTrue(net.extension(GreKeymap.class) != null);
        reg.removeExtension(keymaps);
        assertNull(net.extension(GreKeymap.class));
        assertEquals("new", pass(net, gre(0xc6336402, 0xcb00710a, 1, 0x4001)), "key 0 without a map");
        net.close();
    }
}
