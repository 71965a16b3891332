package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
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
 * Addresses a router does not forward, as Linux 6.18 was seen to treat them (veths in namespaces, rp_filter off):
 * {@code ip6_forward}'s source check for packets leaving by another interface (unspecified dropped, link-local
 * answered "beyond scope" and dropped), link-local destinations routed only back onto their link, the hop limit
 * checked before the source, IPv4's martian sources and destinations, and the all-nodes echo answered.
 */
class SourceAddressTest {
    private final ManualClock clock = new ManualClock(250);
    private final List<RouterFragmentTest.Out> sent = new ArrayList<>();
    private Engine net;
    private Router router;
    private Forwarder forwarder;
    private final Result result = new Result();
    private long tag;

    private void start(boolean linkLocal) {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = new Engine(new Registry(), "scope", clock, 1);
        RouterInterface lan = RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500,
            "198.51.100.1/24", "2001:db8:1::1/64");
        RouterInterface wan = RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500,
            "203.0.113.1/24", "2001:db8:2::1/64");
        router = Routers.create(net, RouterConfig.of(linkLocal ? List.of(lan, wan)
            : List.of(lan.withoutLinkLocal(), wan.withoutLinkLocal())));
        forwarder = router.forwarder((port, t, b, o, n) -> sent.add(
            new RouterFragmentTest.Out(router.devices().get(port).name(), Arrays.copyOfRange(b, o + 14, o + n))));
    }

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
            net.close();
        }
    }

    private void receive(String iface, byte[] ip) throws IOException {
        byte[] frame = RouterFragmentTest.ethernet(router.devices().get(router.port(iface)).mac(), ip);
        clock.advanceSeconds(0.05);
        forwarder.receive(iface, Forwarder.LINKTYPE_ETHERNET, frame, 0, frame.length, clock.wallNanos(), ++tag, result);
    }

    private long counter(String name) {
        Map<String, Long> c = router.counters();
        return c.getOrDefault(name, -1L);
    }

    private static String addr6(byte[] ip, int at) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | ip[at + i] & 0xff;
            lo = lo << 8 | ip[at + 8 + i] & 0xff;
        }
        return Addr.toText(org.conntrack4j.core.api.Family.IPV6, hi, lo);
    }

    private static byte[] hopLimit(byte[] ip, int h) {
        ip[7] = (byte) h;
        return ip;
    }

    @Test
    void aLinkLocalSourceLeavingByAnotherLinkIsAnsweredBeyondScopeAndDropped() throws IOException {
        start(true);
        receive("wan", RouterFragmentTest.udp6("fe80::fe", "2001:db8:1::10", 8));
        assertEquals(Fate.BEYOND_SCOPE, result.fate);
        assertEquals(1, sent.size(), "only the error");
        RouterFragmentTest.Out e = sent.get(0);
        assertEquals("wan", e.iface);
        assertEquals(58, e.u8(6));
        assertEquals(1, e.u8(40), "destination unreachable");
        assertEquals(2, e.u8(41), "beyond scope of source address");
        assertEquals("fe80::fe", addr6(e.ip, 24));
        assertEquals("fe80::ff:fe00:201", addr6(e.ip, 8), "from the link-local address of the link it came by");
        assertEquals(1, counter("in_addr_errors"));
        assertEquals(0, counter("forwarded"));
    }

    @Test
    void withoutALinkLocalAddressTheErrorHasNoRouteAndNothingIsSent() throws IOException {
        // the recorded kernel cases' routers: addr_gen_mode 1, so no fe80::/64 route towards the sender
        start(false);
        receive("wan", RouterFragmentTest.udp6("fe80::fe", "2001:db8:1::10", 8));
        assertEquals(Fate.BEYOND_SCOPE, result.fate);
        assertEquals(List.of(), sent);
        // a link-local destination has no route either: the sender, global, hears so
        receive("lan", RouterFragmentTest.udp6("2001:db8:1::10", "fe80::1", 8));
        assertEquals(Fate.NO_ROUTE, result.fate);
        assertEquals(1, sent.size());
        assertEquals(1, sent.get(0).u8(40));
        assertEquals(0, sent.get(0).u8(41), "no route to destination");
    }

    @Test
    void theHopLimitIsCheckedBeforeTheSource() throws IOException {
        start(true);
        receive("wan", hopLimit(RouterFragmentTest.udp6("fe80::fe", "2001:db8:1::10", 8), 1));
        assertEquals(Fate.HOP_LIMIT_EXCEEDED, result.fate);
        assertEquals(1, sent.size());
        assertEquals(3, sent.get(0).u8(40), "time exceeded");
    }

    @Test
    void anUnspecifiedSourceIsDroppedWithoutAnswer() throws IOException {
        start(true);
        receive("wan", RouterFragmentTest.udp6("::", "2001:db8:1::10", 8));
        assertEquals(Fate.BAD_SOURCE, result.fate);
        assertEquals(List.of(), sent);
        assertEquals(1, counter("in_addr_errors"));
        receive("wan", RouterFragmentTest.udp6("::1", "2001:db8:1::10", 8));
        assertEquals(Fate.IP_LAYER, result.fate, "the loopback address is refused on input");
        assertEquals(List.of(), sent);
    }

    @Test
    void aLinkLocalPacketGoesBackOntoItsOwnLinkOnly() throws IOException {
        start(true);
        // in and out by the same interface: no source check (Linux would also send a redirect)
        receive("lan", RouterFragmentTest.udp6("fe80::10", "fe80::1", 8));
        assertEquals(Fate.FORWARDED, result.fate);
        assertEquals(1, sent.size());
        assertEquals("lan", sent.get(0).iface);
        assertEquals(63, sent.get(0).u8(7));
        assertEquals(0, counter("in_addr_errors"));
    }

    @Test
    void martianIpv4SourcesAndDestinationsAreDroppedSilently() throws IOException {
        start(true);
        for (String src : new String[] {"127.0.0.1", "224.0.0.5", "255.255.255.255"}) {
            receive("wan", RouterFragmentTest.udp4(src, "198.51.100.10", 1, 8, 0, new byte[0]));
            assertEquals(Fate.BAD_SOURCE, result.fate, src);
        }
        receive("wan", RouterFragmentTest.udp4("203.0.113.10", "127.0.0.1", 1, 8, 0, new byte[0]));
        assertEquals(Fate.BAD_DESTINATION, result.fate);
        assertEquals(List.of(), sent);
        assertEquals(3, counter("martian_source"));
        assertEquals(1, counter("martian_destination"));
        // what Linux 6.18 forwards, asked: 0.0.0.0/8, link-local and class E sources
        for (String src : new String[] {"0.0.0.1", "169.254.1.1", "240.0.0.1"}) {
            receive("wan", RouterFragmentTest.udp4(src, "198.51.100.10", 1, 8, 0, new byte[0]));
            assertEquals(Fate.FORWARDED, result.fate, src);
        }
        assertEquals(3, sent.size());
    }

    @Test
    void anEchoToAllNodesIsAnsweredFromTheAddressFacingTheSender() throws IOException {
        start(false);
        byte[] echo = RouterFragmentTest.udp6("2001:db8:1::10", "ff02::1", 8);
        echo[6] = 58;
        echo[40] = (byte) 128;
        echo[41] = 0;
        receive("lan", echo);
        assertEquals(Fate.ANSWERED, result.fate);
        assertEquals(1, sent.size());
        RouterFragmentTest.Out r = sent.get(0);
        assertEquals(129, r.u8(40));
        assertEquals("2001:db8:1::1", addr6(r.ip, 8));
        assertEquals("2001:db8:1::10", addr6(r.ip, 24));
        // a group the router is not in: nothing
        byte[] other = echo.clone();
        other[39] = 0x6a;
        receive("lan", other);
        assertEquals(1, sent.size());
    }
}
