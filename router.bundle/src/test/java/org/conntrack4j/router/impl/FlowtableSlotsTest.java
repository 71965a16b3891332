package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.router.Egress;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.Routers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flowtable's open-addressing table under many flows: several rebuilds as it grows, every flow found from both
 * directions, idle flows taken out by the collector (tombstones), the table refilled over them, and flows that were
 * never added not found.
 */
class FlowtableSlotsTest {
    private static final int FLOWS = 3_000;

    private final ManualClock clock = new ManualClock(250);
    private final Result result = new Result();
    private Engine net;
    private Router router;
    private Forwarder fwd;
    private FlowtableImpl ft;

    private void start() {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        Registry registry = new Registry();
        registry.addTracker(new UdpTracker(), IpProto.UDP, true, true, 1, 0, "test");
        net = new Engine(registry, "slots", clock, 1);
        router = Routers.create(net, RouterConfig.of(List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24"))));
        fwd = router.forwarder(new Egress() {
            @Override
            public void send(int port, long nanos, byte[] frame, int off, int len) {
            }
        });
        ft = (FlowtableImpl) net.services().extension(FlowOffload.class).create("ft", 0, List.of("lan", "wan"), 0,
            0);
        // flow add @ft for every established packet in the forward hook
        net.packets().registerHook(Family.IPV4, Hook.FORWARD, Priority.FILTER, p -> {
            if (p.ct != null && p.ctinfo != CtInfo.NEW) {
                ft.add(p);
            }
            return Verdict.ACCEPT;
        }, "test");
    }

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
            net.close();
        }
    }

    /** Flow {@code i}'s client port: every flow between the same two hosts, told apart by ports. */
    private static int port(int i) {
        return 10_000 + i;
    }

    private Fate send(String iface, String src, int sport, String dst, int dport) throws Exception {
        byte[] ip = RouterFragmentTest.udp4(src, dst, 1, 8, 0, new byte[0]);
        // ports in place of udp4's (its UDP checksum is 0: none)
        ip[20] = (byte) (sport >>> 8);
        ip[21] = (byte) sport;
        ip[22] = (byte) (dport >>> 8);
        ip[23] = (byte) dport;
        int p = router.port(iface);
        byte[] frame = RouterFragmentTest.ethernet(router.devices().get(p).mac(), ip);
        fwd.receive(p, frame, 0, frame.length, 0, clock.wallNanos(), 1, result);
        return result.fate;
    }

    private Fate original(int i) throws Exception {
        return send("lan", "198.51.100.10", port(i), "203.0.113.10", 53);
    }

    private Fate reply(int i) throws Exception {
        return send("wan", "203.0.113.10", 53, "198.51.100.10", port(i));
    }

    /** Opens flows {@code [from, to)}: a request and its answer, which the forward hook offloads. */
    private void open(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            assertEquals(Fate.FORWARDED, original(i));
            assertEquals(Fate.FORWARDED, reply(i));
        }
    }

    @Test
    void manyFlowsAreFoundFromBothSidesThroughRebuildsAndTombstones() throws Exception {
        start();
        open(0, FLOWS);
        assertEquals(FLOWS, ft.size());
        for (int i = 0; i < FLOWS; i++) {
            assertEquals(Fate.OFFLOADED, original(i), "flow " + i);
            assertEquals(Fate.OFFLOADED, reply(i), "flow " + i);
        }
        // the first half goes idle past nf_flowtable_udp_timeout (30 s) while the second half keeps sending
        for (int s = 0; s < 31; s++) {
            clock.advanceSeconds(1);
            for (int i = FLOWS / 2; i < FLOWS; i++) {
                assertEquals(Fate.OFFLOADED, original(i), "flow " + i + " at " + s + " s");
            }
        }
        assertEquals(FLOWS - FLOWS / 2, ft.size(), "the idle half left the flowtable");
        // the idle flows' next packets take the slow path, whose forward hook offloads them again, over the
        // tombstones
        for (int i = 0; i < FLOWS / 2; i++) {
            assertEquals(Fate.FORWARDED, original(i), "flow " + i + " went back to conntrack");
        }
        assertEquals(FLOWS, ft.size());
        for (int i = 0; i < FLOWS; i++) {
            assertEquals(Fate.OFFLOADED, reply(i), "flow " + i);
        }
        // a flow of another port was never added
        assertEquals(Fate.FORWARDED, send("lan", "198.51.100.10", 9_999, "203.0.113.10", 53));
        assertTrue(router.counters().get("flow_offloaded") >= 4L * FLOWS);
    }
}
