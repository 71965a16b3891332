package com.example.toyctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LanWan;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The helper in the real engine through the test kit: the kit's router between lan and wan, the UDP tracker (from
 * proto.udp: the kit brings no tracker), and {@code udp dport 7777 ct helper set "toyctl"}.
 */
class ToyctlHelperTest {
    private static final String CLIENT = "198.51.100.10";
    private static final String SERVER = "203.0.113.10";

    private final Plugins plugins = new Plugins();
    private final ToyctlHelper helper = new ToyctlHelper();
    private final Registration tracker = plugins.addTracker(new UdpTracker(), IpProto.UDP);
    /** The helper as a registered service; close() is the service leaving (the bundle stopped). */
    private final Registration registration = plugins.addHelper(helper);
    private final Rig rig = new Rig(plugins, "toyctl", EventLog.COMPACT);
    private final LanWan router = new LanWan(rig);

    ToyctlHelperTest() {
        router.assignHelper(ToyctlHelper.NAME, IpProto.UDP, port -> port == 7777);
    }

    @AfterEach
    void close() {
        rig.close();
        tracker.close();
    }

    private Rig.Result udp(String src, int sport, String dst, int dport, String payload) {
        return router.forward(Packets.udp(src, sport, dst, dport, Packets.ascii(payload)));
    }

    @Test
    void aPortCommandExpectsTheServersDataConnectionWhichIsRelated() {
        Rig.Result control = udp(CLIENT, 40000, SERVER, 7777, "PORT 41000\n");
        assertEquals("new/original", control.verdict());
        assertNotNull(control.ct.helper());
        List<String> exp = rig.expectations();
        assertEquals(1, exp.size(), exp.toString());
        assertTrue(exp.get(0).contains("proto=17 src=203.0.113.10 dst=198.51.100.10 sport=0 dport=41000")
            && exp.get(0).contains("helper=toyctl"), exp.get(0));

        Rig.Result data = udp(SERVER, 5555, CLIENT, 41000, "data");
        assertEquals("related/original", data.verdict());
        assertSame(control.ct, data.ct.master());
        assertEquals(List.of(), rig.expectations(), "an expectation is used once");
        assertArrayEquals(new long[] {1, 0}, helper.counters());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "PORT", "PORT \n", "PORT 0\n", "PORT 65536\n", "PORT 41000", "PORT 41000\nx",
        "PORT 4100a\n", "port 41000\n", "PORT 0000041000\n", "HELLO\n"})
    void anythingButOnePortCommandPassesUnread(String payload) {
        assertEquals("new/original", udp(CLIENT, 40001, SERVER, 7777, payload).verdict());
        assertEquals(List.of(), rig.expectations());
        assertArrayEquals(new long[] {0, 0}, helper.counters());
    }

    @Test
    void theServerCannotAskAndOtherPortsAreNotHelped() {
        udp(CLIENT, 40002, SERVER, 7777, "HELLO\n");
        assertEquals("established/reply", udp(SERVER, 7777, CLIENT, 40002, "PORT 41000\n").verdict());
        udp(CLIENT, 40003, SERVER, 7778, "PORT 41000\n");
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void whenTheHelperLeavesItsExpectationsGoAndItsConnectionsStay() {
        udp(CLIENT, 40004, SERVER, 7777, "PORT 41000\n");
        assertEquals(1, rig.expectations().size());
        registration.close();
        assertEquals(List.of(), rig.expectations());
        assertEquals(1, rig.table().size(), rig.table().toString());
        assertTrue(rig.table().get(0).contains("dport=7777") && !rig.table().get(0).contains("helper="),
            rig.table().toString());
        assertEquals("new/original", udp(SERVER, 5555, CLIENT, 41000, "data").verdict(), "no longer expected");
    }
}
