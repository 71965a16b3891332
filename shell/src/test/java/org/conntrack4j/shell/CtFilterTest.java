package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code conntrack -L/-D}'s filters and output options, on real connections of the kit's rig, and, where a filter
 * reads what a rig cannot set up simply (zones of one direction, status bits), on stand-in connections.
 */
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
        assertEquals("unknown output option yaml",
            assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-o", "yaml")).getMessage());
    }

    // conntrack 1.4.7's meanings, from what it listed on Linux 6.18 for a table of UDP flows in zone 7 of the
    // original direction, in zone 9 of both directions and in none, all with mark 42, and a replied TCP connection

    /** A connection answering only what the filters read. */
    private static Connection conn(int proto, int status, int mark, int zone, int zoneDir) {
        Map<String, Object> v = Map.of("protocol", proto, "status", status, "mark", mark, "zone", zone, "zoneDir",
            zoneDir);
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
            (p, m, a) -> {
                Object r = v.get(m.getName());
                if (r == null) {
                    throw new UnsupportedOperationException(m.getName());
                }
                return r;
            });
    }

    private static final int REPLIED = Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED;
    private static final Connection UDP_ZONE_ORIG_7 = conn(IpProto.UDP, Status.CONFIRMED, 42, 7, Zone.DIR_ORIGINAL);
    private static final Connection UDP_ZONE_9 = conn(IpProto.UDP, Status.CONFIRMED, 42, 9, Zone.DIR_BOTH);
    private static final Connection UDP = conn(IpProto.UDP, Status.CONFIRMED, 42, 0, Zone.DIR_BOTH);
    private static final Connection TCP = conn(IpProto.TCP, REPLIED, 42, 0, Zone.DIR_BOTH);
    private static final List<Connection> TABLE = List.of(UDP_ZONE_ORIG_7, UDP_ZONE_9, UDP, TCP);

    private static List<Connection> listed(String... args) {
        Predicate<Connection> p = CtFilter.parse(args).predicate();
        return TABLE.stream().filter(c -> p == null || p.test(c)).toList();
    }

    @Test
    void zonesCompareTheZoneShownInThatPlace() {
        assertEquals(List.of(UDP_ZONE_9), listed("--zone", "9"));
        assertEquals(List.of(), listed("--zone", "7"), "zone-orig=7 is not zone=7");
        assertEquals(List.of(UDP_ZONE_ORIG_7, UDP, TCP), listed("--zone", "0"));
        assertEquals(List.of(UDP_ZONE_ORIG_7), listed("-p", "udp", "--orig-zone", "7"));
        assertEquals(TABLE, listed("--reply-zone", "0"));
        assertThrows(IllegalArgumentException.class, () -> listed("--zone", "70000"));
    }

    @Test
    void markWithAMaskComparesTheMaskedMarkWithTheValue() {
        assertEquals(TABLE, listed("--mark", "42/0xff"));
        assertEquals(TABLE, listed("--mark", "10/0xf"), "42 & 0xf is 10");
        assertEquals(TABLE, listed("--mark", "0x2a"));
        assertEquals(List.of(), listed("--mark", "43"));
        assertThrows(IllegalArgumentException.class, () -> listed("--mark", "x"));
    }

    @Test
    void statusNamesAllMustHoldAndUnrepliedMeansNoReplySeen() {
        assertEquals(List.of(TCP), listed("-u", "ASSURED"));
        assertEquals(List.of(TCP), listed("-u", "ass"), "case-insensitive, a prefix enough");
        assertEquals(List.of(TCP), listed("--status", "SEEN_REPLY,ASSURED"));
        assertEquals(List.of(), listed("-u", "ASSURED,UNREPLIED"));
        assertEquals(List.of(UDP_ZONE_ORIG_7, UDP_ZONE_9, UDP), listed("-u", "UNREPLIED"));
        assertEquals(List.of(TCP), listed("-u", "UNREPLIED,SEEN_REPLY"), "SEEN_REPLY wins, as in conntrack");
        assertEquals(List.of(), listed("-u", "EXPECTED"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> listed("-u", "unreplied"));
        assertTrue(e.getMessage().contains("unreplied"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> listed("-u", "UNSET"));
        assertThrows(IllegalArgumentException.class, () -> listed("-u", ""));
    }

    @Test
    void stateIsAnOptionOfTcpAndSctpOnly() {
        CtFilter f = CtFilter.parse("-p", "tcp", "--state", "ESTABLISHED");
        assertTrue(f.testsPrinted());
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("--state", "ESTABLISHED"));
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p", "udp", "--state", "ESTABLISHED"));
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p", "tcp", "--state", "established"));
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p", "tcp", "--state", "BOGUS"));
        assertFalse(CtFilter.parse("-p", "tcp").testsPrinted());
    }

    @Test
    void outputOptionsAreConntracksOrAnError() {
        CtFilter f = CtFilter.parse("-o", "xml,id,timestamp");
        assertTrue(f.xml);
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-o", "bogus"));
        assertTrue(CtFilter.parse("-o", "ktimestamp").ktimestamp);
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-o", "save"),
            "not supported: an error, never ignored");
        assertThrows(IllegalArgumentException.class, () -> CtFilter.parse("-p"), "a value is needed");
    }
}
