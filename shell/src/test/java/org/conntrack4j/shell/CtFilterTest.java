package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code conntrack -L/-D}'s filters and output options, on real connections of the kit's rig. */
class CtFilterTest {
    private final Rig rig;
    private final Connection v4;
    private final Connection v6;
    private final Connection other;

    CtFilterTest() {
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins);
        v4 = rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, new byte[4])).ct;
        v6 = rig.forward(Packets.udp("2001:db8:1::10", 40001, "2001:db8:2::10", 53, new byte[4])).ct;
        // no tracker for GRE: the generic one
        other = rig.forward(Packets.ip("198.51.100.11", "203.0.113.10", IpProto.GRE, Packets.gre(0, 0x0800, 0))).ct;
        v4.setMark(0x2a);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private List<Connection> matching(String... args) {
        CtFilter f = CtFilter.parse(args);
        return List.of(v4, v6, other).stream().filter(c -> f.predicate() == null || f.predicate().test(c)).toList();
    }

    @Test
    void noFilterMatchesEverything() {
        CtFilter f = CtFilter.parse();
        assertNull(f.predicate());
        assertFalse(f.extended);
        assertFalse(f.showId);
    }

    @Test
    void addressesOfEitherFamilyAndDirection() {
        assertEquals(List.of(v4), matching("-s", "198.51.100.10"));
        assertEquals(List.of(v4, other), matching("--dst", "203.0.113.10"));
        assertEquals(List.of(v6), matching("-d", "2001:db8:2::10"));
        assertEquals(List.of(v4), matching("-r", "203.0.113.10", "-q", "198.51.100.10"));
        assertEquals(List.of(), matching("-s", "203.0.113.10"), "the original source only");
    }

    @Test
    void protocolPortsMarkAndFamily() {
        assertEquals(List.of(v4, v6), matching("-p", "udp"));
        assertEquals(List.of(other), matching("-p", "47"));
        assertEquals(List.of(v6), matching("--sport", "40001"));
        assertEquals(List.of(v4, v6), matching("--dport", "53"));
        assertEquals(List.of(v4), matching("-m", "0x2a"));
        assertEquals(List.of(v6), matching("-f", "ipv6"));
        assertEquals(List.of(v4), matching("-f", "ipv4", "-p", "udp", "--sport", "40000"), "all filters hold");
    }

    @Test
    void outputOptions() {
        CtFilter f = CtFilter.parse("-o", "extended,id");
        assertTrue(f.extended);
        assertTrue(f.showId);
        assertNull(f.predicate());
        assertFalse(CtFilter.parse("-o", "timestamp").extended, "accepted, nothing to show");
    }

    @Test
    void badOptionsAndValuesAreNamed() {
        assertEquals("unknown option --bogus",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("--bogus", "1")).getMessage());
        assertEquals("option -s needs a value",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-s")).getMessage());
        assertEquals("unknown protocol ospf",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p", "ospf")).getMessage());
        assertEquals("unknown protocol 256",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p", "256")).getMessage());
        assertEquals("not a port: 70000",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("--sport", "70000")).getMessage());
        assertEquals("family must be ipv4 or ipv6: inet",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-f", "inet")).getMessage());
        assertEquals("unknown output option json",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-o", "json")).getMessage());
    }
}
