package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.router.Routers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router's own UDP sockets: a datagram for one is taken in silently; other ports still get port unreachable. */
class RouterSocketTest {
    private final ManualClock clock = new ManualClock(250);
    private final List<RouterFragmentTest.Out> sent = new ArrayList<>();
    private final Result result = new Result();
    private Engine net;
    private Router router;
    private Forwarder forwarder;

    @BeforeEach
    void setUp() {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = new Engine(new Registry(), "sockets", clock, 1);
        router = Routers.create(net, RouterConfig.of(List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24",
                "2001:db8:1::1/64"))).withSockets(List.of(RouterSocket.of("udp", "ipv4", "198.51.100.1", "5353"),
                    RouterSocket.parse("udp:53"))));
        forwarder = router.forwarder((port, t, b, o, n) -> sent.add(
            new RouterFragmentTest.Out(router.devices().get(port).name(), Arrays.copyOfRange(b, o + 14, o + n))));
    }

    @AfterEach
    void tearDown() {
        router.close();
        net.close();
    }

    private void receive(byte[] ip, int dport) throws IOException {
        int l4 = (ip[0] & 0xf0) == 0x60 ? 40 : 20;
        ip[l4 + 2] = (byte) (dport >>> 8);
        ip[l4 + 3] = (byte) dport;
        byte[] frame = RouterFragmentTest.ethernet(router.devices().get(0).mac(), ip);
        clock.advanceSeconds(1);
        forwarder.receive("lan", Forwarder.LINKTYPE_ETHERNET, frame, 0, frame.length, clock.wallNanos(), 1, result);
    }

    @Test
    void aBoundPortTakesTheDatagramInSilently() throws IOException {
        receive(RouterFragmentTest.udp4("198.51.100.10", "198.51.100.1", 1, 8, 0, new byte[0]), 5353);
        receive(RouterFragmentTest.udp6("2001:db8:1::10", "2001:db8:1::1", 8), 53);
        assertEquals(List.of(), sent);
        // bound to the IPv4 address only: IPv6 to 5353 is refused
        receive(RouterFragmentTest.udp6("2001:db8:1::10", "2001:db8:1::1", 8), 5353);
        assertEquals(1, sent.size());
        assertEquals(1, sent.get(0).u8(40), "ICMPv6 destination unreachable");
        assertEquals(4, sent.get(0).u8(41), "port unreachable");
        receive(RouterFragmentTest.udp4("198.51.100.10", "198.51.100.1", 2, 8, 0, new byte[0]), 5354);
        assertEquals(2, sent.size());
        assertEquals(3, sent.get(1).u8(20));
        assertEquals(3, sent.get(1).u8(21));
    }

    @Test
    void badSocketSpecificationsAreRefusedWithTheProblem() {
        assertEquals("port 0 out of range 1-65535",
            assertThrows(IllegalArgumentException.class, () -> RouterSocket.parse("udp:0")).getMessage());
        assertEquals("protocol sctp: tcp or udp",
            assertThrows(IllegalArgumentException.class, () -> RouterSocket.parse("sctp:9")).getMessage());
        assertEquals("expected tcp:PORT or udp:PORT, not 53",
            assertThrows(IllegalArgumentException.class, () -> RouterSocket.parse("53")).getMessage());
    }
}
