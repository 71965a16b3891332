package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
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
 * Super-frames (GRO / TSO, with their segment size) through the router as Linux forwards a GSO skb: whole, the MTU
 * checked against their segments ({@code skb_gso_validate_network_len}), out by the egress's GSO path; too large
 * segments with DF get fragmentation needed / packet too big as any packet does.
 */
class GsoForwardTest {
    private static final String LAN_MAC = "02:00:00:00:01:01";

    private final ManualClock clock = new ManualClock(250);
    private final List<String> sent = new ArrayList<>();
    private final List<byte[]> frames = new ArrayList<>();
    private Engine net;
    private Router router;
    private final Result result = new Result();

    private Forwarder router(int wanMtu) {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = new Engine(new Registry(), "gso", clock, 1);
        router = Routers.create(net, RouterConfig.of(List.of(
            RouterInterface.of("lan", LAN_MAC, "02:00:00:00:01:02", 1500, "198.51.100.1/24", "2001:db8:1::1/64"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", wanMtu, "203.0.113.1/24",
                "2001:db8:2::1/64"))));
        return router.forwarder(new Egress() {
            @Override
            public void send(int port, long nanos, byte[] frame, int off, int len) {
                sent.add(router.devices().get(port).name() + " " + len);
                frames.add(Arrays.copyOfRange(frame, off, off + len));
            }

            @Override
            public void sendGso(int port, long nanos, byte[] frame, int off, int len, int gsoSize) {
                sent.add(router.devices().get(port).name() + " " + len + " gso " + gsoSize);
                frames.add(Arrays.copyOfRange(frame, off, off + len));
            }
        });
    }

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
            net.close();
        }
    }

    /** IPv4 (DF as given) + TCP with 12 bytes of options + {@code data} payload bytes. */
    static byte[] tcp4(int data, int flags) {
        byte[] b = RouterFragmentTest.udp4("198.51.100.10", "203.0.113.10", 1, 32 - 8 + data, flags, new byte[0]);
        b[9] = 6;
        b[20 + 12] = (byte) 0x80; // 32-byte TCP header
        b[20 + 13] = 0x10;
        b[10] = 0;
        b[11] = 0;
        int s = 0;
        for (int i = 0; i < 20; i += 2) {
            s += (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
        }
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        b[10] = (byte) (~s >>> 8);
        b[11] = (byte) ~s;
        return b;
    }

    private void receive(Forwarder f, byte[] ip, int gso) throws java.io.IOException {
        byte[] frame = RouterFragmentTest.ethernet(router.devices().get(0).mac(), ip);
        f.receive(0, frame, 0, frame.length, gso, clock.wallNanos(), 1, result);
    }

    @Test
    void aSuperFrameWhoseSegmentsFitLeavesWholeWithItsSegmentSize() throws Exception {
        Forwarder f = router(1500);
        byte[] ip = tcp4(20_000, 0x4000);
        receive(f, ip, 1448);
        assertEquals(Fate.FORWARDED, result.fate);
        assertEquals(List.of("wan " + (14 + ip.length) + " gso 1448"), sent);
        byte[] out = frames.get(0);
        assertEquals(63, out[14 + 8], "the TTL went down by one");
        assertArrayEquals(Arrays.copyOfRange(ip, 20, ip.length), Arrays.copyOfRange(out, 34, out.length));
        // 20 + 32 + 1448 = 1500: the largest that fits
        sent.clear();
        receive(f, tcp4(20_000, 0x4000), 1449);
        assertEquals(Fate.FRAGMENTATION_NEEDED, result.fate, "one byte more per segment does not fit");
        assertEquals(1500, result.mtu);
    }

    @Test
    void segmentsLargerThanTheLinkWithDfGetFragmentationNeeded() throws Exception {
        Forwarder f = router(1400);
        receive(f, tcp4(20_000, 0x4000), 1448);
        assertEquals(Fate.FRAGMENTATION_NEEDED, result.fate);
        assertEquals(1400, result.mtu);
        assertEquals(1, router.counters().get("too_big"));
        assertEquals(1, sent.size(), "only the ICMP error: " + sent);
        byte[] icmp = frames.get(0);
        assertEquals(1, icmp[14 + 9], "ICMP");
        assertEquals(3, icmp[34], "destination unreachable");
        assertEquals(4, icmp[35], "fragmentation needed");
        assertEquals(1400, (icmp[34 + 6] & 0xff) << 8 | icmp[34 + 7] & 0xff, "the next hop's MTU");
    }

    @Test
    void anOrdinaryFrameAsLargeIsRefusedAsBefore() throws Exception {
        Forwarder f = router(1500);
        receive(f, tcp4(20_000, 0x4000), 0);
        assertEquals(Fate.FRAGMENTATION_NEEDED, result.fate, "no segment size: the packet itself is measured");
    }

    @Test
    void ipv6SegmentsAreMeasuredTheSameWay() throws Exception {
        Forwarder f = router(1500);
        byte[] ip = RouterFragmentTest.udp6("2001:db8:1::10", "2001:db8:2::10", 30_000);
        receive(f, ip, 1452);
        assertEquals(Fate.FORWARDED, result.fate, result.note);
        assertEquals(List.of("wan " + (14 + ip.length) + " gso 1452"), sent);
        receive(f, ip, 1453);
        assertEquals(Fate.PACKET_TOO_BIG, result.fate);
        assertEquals(1500, result.mtu);
    }

    @Test
    void theSegmentLengthIsTheHeadersPlusTheSegmentSize() {
        org.conntrack4j.core.api.Packet p = new org.conntrack4j.core.api.Packet(70_000);
        byte[] ip = tcp4(10_000, 0x4000);
        p.load(ip, 0, ip.length, 64);
        p.family = org.conntrack4j.core.api.Family.IPV4;
        assertEquals(20 + 32 + 1000, ForwarderImpl.segmentLength(p, 1000));
        assertEquals(ip.length, ForwarderImpl.segmentLength(p, 0));
        assertEquals(ip.length, ForwarderImpl.segmentLength(p, 60_000), "never more than the packet");
    }
}
