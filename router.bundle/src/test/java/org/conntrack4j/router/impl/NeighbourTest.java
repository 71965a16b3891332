package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Neighbours as a Linux router resolves them: ARP and neighbour discovery answered and learnt from, packets queued
 * while a resolution runs (bounded), retries a second apart and failure with an ICMP unreachable, the reachability
 * timers, announcements when a link comes up, and a table that stays bounded under a flood.
 */
class NeighbourTest {
    private static final long LAN_MAC = 0x02_00_00_00_01_01L;
    private static final long WAN_MAC = 0x02_00_00_00_02_01L;
    private static final long HOST_MAC = 0x02_00_00_00_01_0aL;
    private static final long SERVER_MAC = 0x02_00_00_00_02_0aL;
    private static final long SECOND = 1_000_000_000L;

    /** One frame the router sent. */
    record Out(String iface, byte[] frame) {
        int type() {
            return (frame[12] & 0xff) << 8 | frame[13] & 0xff;
        }

        long dstMac() {
            return Macs.toLong(frame, 0);
        }

        int u8(int i) {
            return frame[i] & 0xff;
        }

        int u16(int i) {
            return u8(i) << 8 | u8(i + 1);
        }
    }

    private final ManualClock clock = new ManualClock(250);
    private final List<Out> sent = new ArrayList<>();
    private Engine net;
    private Router router;
    private Forwarder fwd;
    private final Result result = new Result();
    private long now = 1_000 * SECOND;

    @BeforeEach
    void setUp() throws IOException {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = new Engine(new Registry(), "neigh", clock, 1);
        router = Routers.create(net, RouterConfig.of(List.of(
            new RouterInterface("lan", mac(LAN_MAC), null, 1500,
                List.of(RouterInterface.parseAddress("192.0.2.1/24"), RouterInterface.parseAddress("2001:db8:1::1/64"))),
            new RouterInterface("wan", mac(WAN_MAC), null, 1500,
                List.of(RouterInterface.parseAddress("198.51.100.1/24"),
                    RouterInterface.parseAddress("2001:db8:2::1/64"))))));
        fwd = router.forwarder((port, t, b, o, n) -> sent.add(new Out(router.devices().get(port).name(),
            Arrays.copyOfRange(b, o, o + n))));
        // the announcements of the start
        fwd.tick(now);
        sent.clear();
    }

    @AfterEach
    void tearDown() {
        router.close();
        net.close();
    }

    private static byte[] mac(long m) {
        byte[] b = new byte[6];
        Macs.put(b, 0, m);
        return b;
    }

    private void receive(String iface, byte[] frame) throws IOException {
        now += 1_000_000;
        clock.advanceSeconds(0.001);
        fwd.receive(iface, Forwarder.LINKTYPE_ETHERNET, frame, 0, frame.length, now, 0, result);
    }

    private void advance(long nanos) throws IOException {
        long end = now + nanos;
        while (now < end) {
            now += 20_000_000;
            fwd.tick(now);
        }
    }

    private static byte[] arp(long ethDst, int op, long sha, String sip, long tha, String tip) {
        byte[] f = new byte[60];
        Arp.write(f, ethDst, sha, op, sha, Addr.parseV4(sip) & 0xffffffffL, tha, Addr.parseV4(tip) & 0xffffffffL);
        return f;
    }

    private static byte[] eth(long dst, long src, byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        Macs.put(f, 0, dst);
        Macs.put(f, 6, src);
        int type = (ip[0] & 0xf0) == 0x60 ? 0x86dd : 0x0800;
        f[12] = (byte) (type >>> 8);
        f[13] = (byte) type;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    private List<Out> arpsSent() {
        return sent.stream().filter(o -> o.type() == Arp.ETH_P_ARP).toList();
    }

    private List<Out> ipSent() {
        return sent.stream().filter(o -> o.type() == 0x0800).toList();
    }

    @Test
    void anArpRequestForTheRoutersAddressIsAnsweredAndTeachesTheSender() throws IOException {
        receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, HOST_MAC, "192.0.2.10", 0, "192.0.2.1"));
        assertEquals(Fate.ARP, result.fate);
        List<Out> a = arpsSent();
        assertEquals(1, a.size());
        Out r = a.get(0);
        assertEquals(HOST_MAC, r.dstMac());
        assertEquals(Arp.REPLY, r.u16(20));
        assertEquals(LAN_MAC, Macs.toLong(r.frame(), 22), "sender hardware address: the router's");
        assertEquals(0xc0000201L, (long) r.u16(28) << 16 | r.u16(30), "sender protocol address: the one asked for");
        assertEquals(List.of("192.0.2.10 dev lan lladdr 02:00:00:00:01:0a STALE"), router.neighbours());
    }

    @Test
    void anArpRequestForTheAddressOfTheOtherInterfaceIsAnsweredToo() throws IOException {
        // arp_ignore=0: any local address, whichever interface holds it
        receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, HOST_MAC, "192.0.2.10", 0, "198.51.100.1"));
        assertEquals(1, arpsSent().size());
        receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, HOST_MAC, "192.0.2.10", 0, "192.0.2.99"));
        assertEquals(1, arpsSent().size(), "not for an address the router does not have");
    }

    @Test
    void aPacketWaitsForItsNeighbourAndLeavesWithTheAnswer() throws IOException {
        byte[] dg = RouterFragmentTest.udp4("192.0.2.10", "198.51.100.10", 1, 20, 0, new byte[0]);
        receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        assertEquals(Fate.FORWARDED, result.fate);
        assertEquals(0, ipSent().size(), "queued until the server is resolved");
        List<Out> req = arpsSent();
        assertEquals(1, req.size());
        assertEquals("wan", req.get(0).iface());
        assertEquals(Macs.BROADCAST, req.get(0).dstMac());
        assertEquals(Arp.REQUEST, req.get(0).u16(20));
        assertEquals(List.of("198.51.100.10 dev wan INCOMPLETE"), router.neighbours());
        sent.clear();
        receive("wan", arp(WAN_MAC, Arp.REPLY, SERVER_MAC, "198.51.100.10", WAN_MAC, "198.51.100.1"));
        List<Out> out = ipSent();
        assertEquals(1, out.size());
        assertEquals(SERVER_MAC, out.get(0).dstMac());
        assertEquals(WAN_MAC, Macs.toLong(out.get(0).frame(), 6));
        assertEquals(List.of("198.51.100.10 dev wan lladdr 02:00:00:00:02:0a REACHABLE"), router.neighbours());
        // the next one goes straight out
        sent.clear();
        receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        assertEquals(1, ipSent().size());
        assertEquals(0, arpsSent().size());
    }

    @Test
    void aNeighbourThatNeverAnswersFailsAfterThreeProbesAndTheSenderHearsOfIt() throws IOException {
        // the LAN host is known: the ICMP error can reach it
        receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, HOST_MAC, "192.0.2.10", 0, "192.0.2.1"));
        sent.clear();
        byte[] dg = RouterFragmentTest.udp4("192.0.2.10", "198.51.100.77", 1, 20, 0, new byte[0]);
        receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        advance(SECOND / 2);
        assertEquals(1, arpsSent().size());
        advance(SECOND);
        assertEquals(2, arpsSent().size(), "retrans_time 1 s");
        advance(SECOND);
        assertEquals(3, arpsSent().size(), "mcast_solicit 3");
        assertEquals(0, ipSent().size());
        advance(SECOND);
        assertEquals(3, arpsSent().size());
        List<Out> icmp = ipSent();
        assertEquals(1, icmp.size(), "host unreachable to the sender");
        Out e = icmp.get(0);
        assertEquals("lan", e.iface());
        assertEquals(IpProto.ICMP, e.u8(14 + 9));
        assertEquals(3, e.u8(34), "destination unreachable");
        assertEquals(1, e.u8(35), "host unreachable");
        Map<String, Long> c = router.counters();
        assertEquals(1, c.get("neigh_failed"));
        assertTrue(router.neighbours().contains("198.51.100.77 dev wan FAILED"), router.neighbours().toString());
        // a new packet starts the resolution again (__neigh_event_send)
        sent.clear();
        receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        assertEquals(1, arpsSent().size());
    }

    @Test
    void theQueueOfAResolutionIsBounded() throws IOException {
        byte[] dg = RouterFragmentTest.udp4("192.0.2.10", "198.51.100.10", 1, 20, 0, new byte[0]);
        for (int i = 0; i < 150; i++) {
            receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        }
        assertEquals(150 - 101, router.counters().get("neigh_unres_discards"), "unres_qlen 101");
        sent.clear();
        receive("wan", arp(WAN_MAC, Arp.REPLY, SERVER_MAC, "198.51.100.10", WAN_MAC, "198.51.100.1"));
        assertEquals(101, ipSent().size(), "the newest 101 leave");
    }

    @Test
    void reachabilityLapsesToStaleThenAPacketProbesByUnicastAfterTheDelay() throws IOException {
        receive("wan", arp(Macs.BROADCAST, Arp.REQUEST, SERVER_MAC, "198.51.100.10", 0, "198.51.100.1"));
        byte[] dg = RouterFragmentTest.udp4("192.0.2.10", "198.51.100.10", 1, 20, 0, new byte[0]);
        receive("lan", eth(LAN_MAC, HOST_MAC, dg));
        assertTrue(router.neighbours().get(0).endsWith("DELAY"), router.neighbours().toString());
        sent.clear();
        advance(5 * SECOND + SECOND / 10);
        List<Out> probe = arpsSent();
        assertEquals(1, probe.size(), "delay_first_probe_time 5 s, then a unicast probe");
        assertEquals(SERVER_MAC, probe.get(0).dstMac());
        assertTrue(router.neighbours().get(0).endsWith("PROBE"), router.neighbours().toString());
        receive("wan", arp(WAN_MAC, Arp.REPLY, SERVER_MAC, "198.51.100.10", WAN_MAC, "198.51.100.1"));
        assertTrue(router.neighbours().get(0).endsWith("REACHABLE"), router.neighbours().toString());
        // unused beyond reachable_time (15 to 45 s): stale
        advance(46 * SECOND);
        assertTrue(router.neighbours().get(0).endsWith("STALE"), router.neighbours().toString());
    }

    @Test
    void neighbourSolicitationsAreAnsweredForTheRoutersAddressesAndItsLinkLocal() throws IOException {
        long[] host = Addr.parseV6("2001:db8:1::10");
        long[] target = Addr.parseV6("2001:db8:1::1");
        receive("lan", eth(0x3333ff000001L, HOST_MAC, ns(host, target, true)));
        List<Out> na = sent.stream().filter(o -> o.type() == 0x86dd).toList();
        assertEquals(1, na.size());
        Out a = na.get(0);
        assertEquals(HOST_MAC, a.dstMac(), "straight to the soliciting host, learnt from its option");
        assertEquals(136, a.u8(14 + 40));
        assertEquals(255, a.u8(14 + 7), "hop limit 255");
        assertEquals(0xe0, a.u8(14 + 44), "router, solicited, override");
        // learnt STALE, then used by the answer: DELAY (neigh_event_ns, then the output)
        assertTrue(router.neighbours().contains("2001:db8:1::10 dev lan lladdr 02:00:00:00:01:0a DELAY"),
            router.neighbours().toString());
        // the link-local address derived from the interface's hardware address
        sent.clear();
        long[] ll = {0xfe80_0000_0000_0000L, Macs.eui64(LAN_MAC)};
        receive("lan", eth(0x3333ff000000L | ll[1] & 0xffffff, HOST_MAC, ns(host, ll, true)));
        assertEquals(1, sent.size());
        // an address of the other interface: not answered on this link
        sent.clear();
        receive("lan", eth(0x3333ff000001L, HOST_MAC, ns(host, Addr.parseV6("2001:db8:2::1"), true)));
        assertEquals(0, sent.size());
    }

    @Test
    void aBrokenNeighbourSolicitationIsCountedAndIgnored() throws IOException {
        byte[] bad = ns(Addr.parseV6("2001:db8:1::10"), Addr.parseV6("2001:db8:1::1"), true);
        bad[7] = 64;
        receive("lan", eth(0x3333ff000001L, HOST_MAC, bad));
        assertEquals(0, sent.size());
        assertEquals(1, router.counters().get("rx_nd_invalid"), "hop limit must be 255");
    }

    @Test
    void aLinkComingUpIsAnnouncedWithGratuitousArpAndUnsolicitedAdvertisements() throws IOException {
        router.linkChanged(1, false, 1500, null);
        advance(SECOND);
        assertEquals(0, sent.size());
        router.linkChanged(1, true, 1500, null);
        advance(SECOND / 10);
        List<Out> garp = arpsSent();
        assertEquals(1, garp.size());
        assertEquals("wan", garp.get(0).iface());
        assertEquals(Macs.BROADCAST, garp.get(0).dstMac());
        assertEquals(garp.get(0).u16(28), garp.get(0).u16(38), "sender and target address the same");
        List<Out> na = sent.stream().filter(o -> o.type() == 0x86dd).toList();
        assertEquals(2, na.size(), "the global address and the link-local one");
        for (Out o : na) {
            assertEquals(0x333300000001L, o.dstMac());
            assertEquals(0xa0, o.u8(14 + 44), "router and override, not solicited");
        }
    }

    @Test
    void aDownLinkSendsNothingAndCountsIt() throws IOException {
        receive("wan", arp(Macs.BROADCAST, Arp.REQUEST, SERVER_MAC, "198.51.100.10", 0, "198.51.100.1"));
        router.linkChanged(1, false, 1500, null);
        sent.clear();
        receive("lan", eth(LAN_MAC, HOST_MAC, RouterFragmentTest.udp4("192.0.2.10", "198.51.100.10", 1, 20, 0,
            new byte[0])));
        assertEquals(0, sent.size());
        assertEquals(1, router.counters().get("tx_link_down"));
    }

    @Test
    void anArpFloodFromEverywhereLeavesABoundedTable() throws IOException {
        for (int i = 0; i < 3000; i++) {
            String src = "192.0.2." + (2 + i % 250);
            long sha = 0x02_00_00_10_00_00L + i;
            receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, sha, src, 0, "192.0.2.1"));
        }
        assertTrue(router.counters().get("neigh_entries") <= 1024);
        // a flood of distinct addresses through both interfaces' prefixes
        for (int i = 0; i < 3000; i++) {
            long sha = 0x02_00_00_20_00_00L + i;
            byte[] f = arp(Macs.BROADCAST, Arp.REQUEST, sha, "10." + (i >> 8 & 255) + "." + (i & 255) + ".1", 0,
                "192.0.2.1");
            receive("lan", f);
        }
        long entries = router.counters().get("neigh_entries");
        assertTrue(entries <= 1024, "entries " + entries);
        // still answering ARP for what it can
        sent.clear();
        advance(6 * SECOND);
        receive("lan", arp(Macs.BROADCAST, Arp.REQUEST, HOST_MAC, "192.0.2.10", 0, "192.0.2.1"));
        assertFalse(arpsSent().isEmpty(), "answers once stale entries can go");
    }

    /** A neighbour solicitation from {@code src} for {@code target}, to its solicited-node group. */
    private static byte[] ns(long[] src, long[] target, boolean withSource) {
        Packet p = new Packet(256);
        Ndisc.solicitation(p, src[0], src[1], Ndisc.SOLICITED_NODE_HI, Ndisc.solicitedNodeLo(target[1]), target[0],
            target[1], withSource ? HOST_MAC : -1);
        return p.toBytes();
    }
}
