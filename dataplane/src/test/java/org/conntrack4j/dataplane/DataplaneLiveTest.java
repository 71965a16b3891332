package org.conntrack4j.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.LiveClock;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.helper.ftp.FtpHelper;
import org.conntrack4j.io.afpacket.AfPacketIo;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.icmp.IcmpTracker;
import org.conntrack4j.proto.icmp.Icmpv6Tracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.rules.eval.NftRulesets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dataplane forwarding between two hosts in namespaces of its own ({@link Lab}), with masquerade towards the
 * WAN: neighbour resolution in both families, ping and ping6 through, and no allocation on the forwarding threads
 * once a connection is established. Faults: links going down and up under traffic and an MTU outgrowing the rings,
 * floods of ARP requests and neighbour solicitations, malformed frames, a neighbour that never answers, a full
 * transmit ring; the router keeps forwarding and its counters say what happened.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataplaneLiveTest {
    static final String RULES = String.join("\n",
        "table inet filter {",
        "  chain forward { type filter hook forward priority filter; policy drop;",
        "    ct state established,related accept",
        "    iifname \"lan\" accept",
        "  }",
        "}",
        "table inet nat {",
        "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;",
        "    oifname \"wan\" masquerade",
        "  }",
        "}",
        "");

    private Lab lab;
    private Conntrack net;
    private Registration rules;
    private Dataplane dataplane;
    private final AfPacketIo io = new AfPacketIo();

    static Registry plugins() {
        Registry reg = new Registry();
        reg.addTracker(new UdpTracker(), 17, true, true, reg.localId(), 0, "org.conntrack4j.proto.udp");
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "org.conntrack4j.proto.tcp");
        reg.addTracker(new IcmpTracker(), 1, true, true, reg.localId(), 0, "org.conntrack4j.proto.icmp");
        reg.addTracker(new Icmpv6Tracker(), 58, true, true, reg.localId(), 0, "org.conntrack4j.proto.icmp");
        reg.addExtension(new NatComponent(), "nat", reg.localId(), 0, "org.conntrack4j.nat");
        reg.addHelper(new FtpHelper(), reg.localId(), 0, "org.conntrack4j.helper.ftp");
        return reg;
    }

    @BeforeEach
    void setUp() throws Exception {
        lab = new Lab();
        net = EngineFactory.create(plugins(), "live-test", new LiveClock(250), Map.of(), true);
        rules = new NftRulesets().install(net, "test.nft", RULES);
    }

    private void start(int threads) throws Exception {
        dataplane = lab.insideRouter(() -> Dataplane.start(io, net,
            List.of(LiveInterface.parse(Lab.LAN_IFACE), LiveInterface.parse(Lab.WAN_IFACE)), List.of(), threads));
    }

    @AfterEach
    void tearDown() {
        try {
            if (dataplane != null) {
                dataplane.close();
            }
            if (rules != null) {
                rules.close();
            }
            if (net != null) {
                net.close();
            }
        } finally {
            lab.close();
        }
    }

    @Test
    void pingsGoThroughBothWaysOfResolutionAndMasquerade() throws Exception {
        start(1);
        String out = Lab.in(lab.lan, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("3 received"), out);
        String out6 = Lab.in(lab.lan, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST6);
        assertTrue(out6.contains("3 received"), out6);
        // the WAN host saw the router's address, not the LAN host's: its neighbour is the router
        String neigh = Lab.in(lab.wan, "ip", "neigh", "show", "dev", "wan0");
        assertTrue(neigh.contains("198.51.100.1 "), neigh);
        List<String> table = dataplane.router().neighbours();
        assertTrue(table.stream().anyMatch(l -> l.startsWith("192.0.2.10 dev lan lladdr")), table.toString());
        assertTrue(table.stream().anyMatch(l -> l.startsWith("2001:db8:2::10 dev wan lladdr")), table.toString());
        Map<String, Long> c = dataplane.counters();
        assertTrue(c.get("forwarded") >= 12, c.toString());
        assertTrue(c.get("arp_replies_sent") + c.get("na_sent") >= 1, c.toString());
    }

    @Test
    void theRoutersOwnAddressesAnswerPingOnBothLinks() throws Exception {
        start(1);
        String out = Lab.in(lab.lan, "ping", "-c", "2", "-i", "0.2", "-W", "2", "192.0.2.1");
        assertTrue(out.contains("2 received"), out);
        String out6 = Lab.in(lab.lan, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "2001:db8:1::1");
        assertTrue(out6.contains("2 received"), out6);
        // its EUI-64 link-local address, which the kernel of the router namespace does not have (IPv6 off)
        String ll = Lab.in(lab.lan, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", lab.routerLinkLocal("rlan") + "%lan0");
        assertTrue(ll.contains("2 received"), ll);
    }

    @Test
    void forwardingAnEstablishedConnectionAllocatesNothing() throws Exception {
        start(2);
        Process echo = Lab.background(lab.wan, "python3", "-c", UDP_ECHO);
        try {
            Lab.awaitListener(lab.wan, "udp", 7);
            // warm up: the first datagrams make the connection and compile the path
            Lab.in(lab.lan, "python3", "-c", UDP_BLAST, Lab.WAN_HOST, "50000");
            long before = dataplane.allocatedBytes();
            long fwdBefore = dataplane.counters().get("forwarded");
            String out = Lab.in(lab.lan, "python3", "-c", UDP_BLAST, Lab.WAN_HOST, "100000");
            long bytes = dataplane.allocatedBytes() - before;
            long packets = dataplane.counters().get("forwarded") - fwdBefore;
            assertTrue(packets >= 100000, "forwarded " + packets + "; " + out + dataplane.counters() + dataplane.router().neighbours());
            System.out.println("forwarding threads allocated " + bytes + " bytes for " + packets + " packets");
        // nothing per packet: a few objects a batch would already be more than a byte a packet
        assertTrue(bytes < packets, bytes + " bytes allocated for " + packets + " packets");
            assertEquals(0, dataplane.counters().get("neigh_failed"));
        } finally {
            echo.destroyForcibly();
        }
    }

    @Test
    void aDeviceDownAtStartForwardsOnceItComesUpAndIsAnnounced() throws Exception {
        Lab.in(lab.router, "ip", "link", "set", "rwan", "down");
        start(1);
        Object[] r = Lab.tryIn(lab.lan, "ping", "-c", "1", "-W", "1", Lab.WAN_HOST);
        assertEquals(1, (int) r[0], "a standby link forwards nothing: " + r[1]);
        // the WAN host knows the router from an earlier life: the announcement must correct it
        Lab.in(lab.wan, "ip", "neigh", "replace", "198.51.100.1", "lladdr", "02:00:00:00:99:99", "dev", "wan0",
            "nud", "stale");
        Lab.in(lab.router, "ip", "link", "set", "rwan", "up");
        String mac = Lab.in(lab.router, "cat", "/sys/class/net/rwan/address").strip();
        long until = System.nanoTime() + 5_000_000_000L;
        String neigh = "";
        while (System.nanoTime() < until && !neigh.contains(mac)) {
            Thread.sleep(50);
            neigh = Lab.in(lab.wan, "ip", "neigh", "show", "198.51.100.1", "dev", "wan0");
        }
        assertTrue(neigh.contains(mac), "the gratuitous ARP updated the WAN host: " + neigh);
        String out = Lab.in(lab.lan, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("3 received"), out);
        assertTrue(dataplane.counters().get("announcements_sent") >= 3, dataplane.counters().toString());
    }

    @Test
    void aBulkTcpTransferArrivesWhole() throws Exception {
        // veth peers hand over TSO / GRO super-frames and partial checksums, over two forwarding threads
        start(2);
        download();
        // 4 MB in super-frames of up to 64 KiB, and the ACKs the other way
        assertTrue(dataplane.counters().get("forwarded") > 60, dataplane.counters().toString());
    }

    /** 4 MB over TCP from the WAN host to the LAN host, every byte checked. */
    private void download() throws Exception {
        download(Lab.WAN_HOST);
    }

    /** The same from {@code server}, an address of the WAN host. */
    private void download(String server) throws Exception {
        Process source = Lab.background(lab.wan, "python3", "-c", TCP_SOURCE, "8000", "4000000", server);
        try {
            Lab.awaitListener(lab.wan, "tcp", 8000);
            String out = Lab.in(lab.lan, "python3", "-c", TCP_SINK, server, "8000");
            assertEquals("4000000 " + TCP_SOURCE_SHA256, out.strip());
        } finally {
            source.destroyForcibly();
        }
    }

    @Test
    void superFramesCrossWholeThroughMasqueradeAndArriveIntact() throws Exception {
        // The WAN host's TSO hands the router's WAN device super-frames: they go through conntrack and NAT (the
        // destination turned back to the LAN host) as one packet each and leave whole, with the partial checksum
        // recomputed for the rewritten addresses; the veth hands them on whole, and the LAN host's TCP checks every
        // byte (a wrong partial checksum would leave the transfer stalled or short).
        start(1);
        // The veth's peer trusts a partial checksum; a wire would not: the LAN host's own view of each super-frame
        // (its vnet header) must show the pseudo-header sum of the addresses after NAT, where the device adds the rest.
        Process sniffer = new ProcessBuilder("ip", "netns", "exec", lab.lan, "python3", "-c", PARTIAL_CHECK, "lan0",
            "8000").redirectErrorStream(true).start();
        String verdict;
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
            sniffer.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            assertEquals("ready", r.readLine());
            download();
            verdict = r.readLine();
        } finally {
            sniffer.destroyForcibly();
        }
        String[] gb = verdict.split(" ");
        assertTrue(Integer.parseInt(gb[0]) >= 10 && gb[1].equals("0"), "super-frames with right / wrong partial "
            + "checksums at the LAN host: " + verdict);
        // and over IPv6 (masqueraded too), measured against the MTU by its segments as well
        download(Lab.WAN_HOST6);
        Map<String, Long> c = dataplane.counters();
        assertTrue(c.get("wan.rx_gso") >= 20, "super-frames received whole: " + c);
        assertTrue(c.get("lan.tx_gso") >= 20, "and sent whole: " + c);
        assertTrue(c.get("forwarded") < 2 * 4_000_000 / 1448, "fewer packets than segments: " + c);
        assertEquals(0, c.get("lan.tx_dropped") + c.get("lan.errors"), c.toString());
        System.out.println("super-frames: " + c);
    }

    @Test
    void linksGoingDownAndUpUnderTrafficAndAGrowingMtu() throws Exception {
        start(2);
        Process flood = Lab.background(lab.lan, "ping", "-q", "-i", "0.005", "-c", "600", "-W", "1", Lab.WAN_HOST);
        try {
            for (String dev : List.of("rlan", "rwan", "rlan")) {
                Thread.sleep(200);
                Lab.in(lab.router, "ip", "link", "set", dev, "down");
                Thread.sleep(200);
                Lab.in(lab.router, "ip", "link", "set", dev, "up");
            }
            // larger than the rings were made for: the device is opened again
            Lab.in(lab.router, "ip", "link", "set", "rwan", "mtu", "9000");
            assertTrue(flood.waitFor(60, TimeUnit.SECONDS), "the flood ends");
        } finally {
            flood.destroyForcibly();
        }
        long until = System.nanoTime() + 10_000_000_000L;
        while (dataplane.counters().get("reopened") < 1 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        Map<String, Long> c = dataplane.counters();
        assertEquals(1, c.get("reopened"), c.toString());
        String out = Lab.in(lab.lan, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("3 received"), "forwarding resumed: " + out);
        String out6 = Lab.in(lab.lan, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST6);
        assertTrue(out6.contains("3 received"), "forwarding resumed: " + out6);
        System.out.println("after links went down and up: " + dataplane.counters());
    }

    @Test
    void floodsOfArpAndNeighbourSolicitationsAndMalformedFramesLeaveItWorking() throws Exception {
        start(1);
        String mac = Lab.in(lab.router, "cat", "/sys/class/net/rlan/address").strip();
        String sent = Lab.in(lab.lan, "python3", "-c", RAW_FLOOD, "lan0", mac, "20000");
        int frames = Integer.parseInt(sent.strip().split(" ")[1]);
        Map<String, Long> c = dataplane.counters();
        long until = System.nanoTime() + 10_000_000_000L;
        while (c.get("lan.rx_frames") + c.get("lan.rx_kernel_drops") < frames && System.nanoTime() < until) {
            Thread.sleep(100);
            c = dataplane.counters();
        }
        String all = sent + c;
        // faster than one thread answers: what the receive ring could not hold is counted, nothing goes unseen
        assertTrue(c.get("lan.rx_frames") + c.get("lan.rx_kernel_drops") >= frames, all);
        assertTrue(c.get("rx_arp") >= 1000 && c.get("rx_nd") >= 1000, all);
        // sent after a pause, when the ring had room again
        assertTrue(c.get("rx_too_short") + c.get("rx_ip_errors") >= 5, "malformed IP counted: " + all);
        assertTrue(c.get("rx_unknown_ethertype") >= 1, all);
        assertTrue(c.get("neigh_entries") <= 1024, "the neighbour table stays bounded (gc_thresh3): " + all);
        assertTrue(c.get("arp_replies_sent") >= 1 && c.get("na_sent") >= 1, all);
        // The flood filled the table with fresh entries of its senders; as in Linux (neigh_forced_gc) an entry can
        // make room for a new one once it is five seconds old: until then the WAN host cannot get one.
        long resumes = System.nanoTime() + 15_000_000_000L;
        while ((int) Lab.tryIn(lab.lan, "ping", "-c", "1", "-W", "1", Lab.WAN_HOST)[0] != 0) {
            assertTrue(System.nanoTime() < resumes, "forwarding resumes: " + dataplane.counters());
        }
        String out = Lab.in(lab.lan, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("3 received"), "still forwarding: " + out);
        String out6 = Lab.in(lab.lan, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST6);
        assertTrue(out6.contains("3 received"), "still forwarding: " + out6);
        System.out.println("after the floods: " + c);
    }

    @Test
    void aNeighbourThatNeverAnswersIsCountedAndItsSenderToldThroughMasquerade() throws Exception {
        start(1);
        // as Linux: after its probes the router tells the sender, whose packet it had masqueraded, "host unreachable"
        // from its WAN address (the error goes to itself and NAT translates it back)
        Object[] r = Lab.tryIn(lab.lan, "ping", "-c", "2", "-i", "0.5", "-W", "6", "198.51.100.99");
        String ping = (String) r[1];
        assertTrue(ping.contains("From 198.51.100.1 icmp_seq=1 Destination Host Unreachable")
            && ping.contains("icmp_seq=2 Destination Host Unreachable"), ping);
        Map<String, Long> c = dataplane.counters();
        assertTrue(c.get("neigh_failed") >= 1, c.toString());
        assertTrue(c.get("arp_requests_sent") >= 3, "it asked (unicast and broadcast probes) before giving up: " + c);
        assertTrue(c.get("icmp_errors_sent") >= 2, c.toString());
        String out = Lab.in(lab.lan, "ping", "-c", "2", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("2 received"), out);
    }

    @Test
    void aFullTransmitRingDropsAndCountsAndForwardingResumes() throws Exception {
        start(1);
        // the WAN device lets 100 kbit/s leave and queues the rest: the ring's slots stay taken (a frame's slot is
        // free only once the device is done with it), so a burst of more than its 1024 slots must find it full
        Lab.in(lab.router, "tc", "qdisc", "add", "dev", "rwan", "root", "tbf", "rate", "100kbit", "burst", "1600", "limit", "10000000");
        String sent = Lab.in(lab.lan, "python3", "-c", UDP_BURST, Lab.WAN_HOST, "6000");
        Map<String, Long> c = dataplane.counters();
        long until = System.nanoTime() + 10_000_000_000L;
        while (c.get("wan.tx_ring_full") == 0 && System.nanoTime() < until) {
            Thread.sleep(50);
            c = dataplane.counters();
        }
        String all = sent + " " + c;
        assertTrue(c.get("wan.tx_ring_full") >= 1000, "frames that found the ring full are counted: " + all);
        // a frame is either sent or counted as ring-full, never both: together no more than what reached the WAN
        // device, the forwarded frames and the router's own (its ARP and neighbour messages, start-up announcements)
        long own = c.get("arp_requests_sent") + c.get("arp_replies_sent") + c.get("announcements_sent")
            + c.get("ns_sent") + c.get("na_sent") + c.get("icmp_errors_sent");
        assertTrue(c.get("wan.tx_frames") + c.get("wan.tx_ring_full") <= c.get("forwarded") + own, all);
        Lab.in(lab.router, "tc", "qdisc", "del", "dev", "rwan", "root");
        String out = Lab.in(lab.lan, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.WAN_HOST);
        assertTrue(out.contains("3 received"), "forwarding resumed: " + out + " " + dataplane.counters());
        System.out.println("after the transmit ring filled up: " + dataplane.counters());
    }

    /**
     * From DEVICE (argv 1), to the router's MAC (argv 2): COUNT (argv 3) ARP requests for 192.0.2.1 from random LAN
     * senders, as many neighbour solicitations for 2001:db8:1::1 from random LAN sources (checksums right), then
     * malformed frames: an Ethernet header alone, IPv4 with a header length of 3, IPv4 longer than its frame, IPv6
     * with a payload beyond the frame, a bad IP version, an unknown ethertype, random bytes.
     */
    static final String RAW_FLOOD = String.join("\n",
        "import socket, struct, sys, random",
        "dev, rmac, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), int(sys.argv[3])",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
        "s.bind((dev, 0))",
        "def mac():",
        "    return bytes([0x02] + [random.randrange(256) for _ in range(5)])",
        "def csum(b):",
        "    if len(b) % 2: b += b'\\0'",
        "    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
        "    while t >> 16: t = (t & 0xffff) + (t >> 16)",
        "    return ~t & 0xffff",
        "bcast = b'\\xff' * 6",
        "sent = 0",
        "for i in range(n):",
        "    m = mac()",
        "    spa = bytes([192, 0, 2, random.randrange(20, 250)])",
        "    arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + m + spa + b'\\0' * 6 + bytes([192, 0, 2, 1])",
        "    s.send(bcast + m + b'\\x08\\x06' + arp); sent += 1",
        "tgt = socket.inet_pton(socket.AF_INET6, '2001:db8:1::1')",
        "dst = socket.inet_pton(socket.AF_INET6, 'ff02::1:ff00:1')",
        "for i in range(n):",
        "    m = mac()",
        "    src = socket.inet_pton(socket.AF_INET6, '2001:db8:1::%x' % random.randrange(0x100, 0xffff))",
        "    body = struct.pack('!BBHI', 135, 0, 0, 0) + tgt + bytes([1, 1]) + m",
        "    pseudo = src + dst + struct.pack('!I3xB', len(body), 58)",
        "    c = csum(pseudo + body)",
        "    body = body[:2] + struct.pack('!H', c) + body[4:]",
        "    ip6 = struct.pack('!IHBB', 0x60000000, len(body), 58, 255) + src + dst",
        "    s.send(bytes.fromhex('3333ff000001') + m + b'\\x86\\xdd' + ip6 + body); sent += 1",
        "import time",
        "time.sleep(1)",
        "m = mac()",
        "v4 = lambda b: s.send(rmac + m + b'\\x08\\x00' + b)",
        "v4(b'')",
        "v4(bytes([0x43]) + b'\\0' * 19)",
        "v4(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 1400, 0, 0, 64, 17, 0, bytes([192, 0, 2, 10]), bytes([198, 51, 100, 10])))",
        "s.send(rmac + m + b'\\x86\\xdd' + struct.pack('!IHBB', 0x60000000, 1000, 17, 64) + b'\\x20' * 32)",
        "v4(bytes([0x55]) + b'\\0' * 39)",
        "s.send(rmac + m + b'\\x88\\xb5' + b'\\0' * 46)",
        "for i in range(200):",
        "    s.send(rmac + bytes(random.randrange(256) for _ in range(random.randrange(8, 200))))",
        "print('sent', sent + 206)");

    /**
     * Sends COUNT 64-byte UDP datagrams to port 9 of ADDRESS (no answer is awaited), 50 at a time with a millisecond
     * between: up to about 45,000 a second, more than the shaped WAN device lets out, and few enough that the router's
     * receive ring does not overflow first (unpaced, a router thread that was still being compiled received 1,857 of
     * 6,000 and filled its transmit ring too little for the test).
     */
    static final String UDP_BURST = String.join("\n",
        "import socket, sys, time",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)",
        "n = int(sys.argv[2])",
        "for i in range(n):",
        "    s.sendto(b'x' * 64, (sys.argv[1], 9))",
        "    if i % 50 == 49:",
        "        time.sleep(0.001)",
        "print('sent', n)");

    /**
     * On DEVICE (argv 1) with PACKET_VNET_HDR: every IPv4 TCP super-frame from source port PORT (argv 2) must say
     * NEEDS_CSUM at the TCP checksum and hold there the pseudo-header sum of its own addresses and TCP length. Prints
     * "ready", then, once frames stopped for a second (or after 30 s), "RIGHT WRONG".
     */
    static final String PARTIAL_CHECK = String.join("\n",
        "import socket, struct, sys, time",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))",
        "s.setsockopt(263, 15, 1)",
        "s.bind((sys.argv[1], 0x0800))",
        "s.settimeout(0.2)",
        "port = int(sys.argv[2])",
        "print('ready', flush=True)",
        "good = bad = 0",
        "start = last = time.time()",
        "while time.time() - start < 30 and (good + bad == 0 or time.time() - last < 1):",
        "    try:",
        "        b = s.recv(70000)",
        "    except socket.timeout:",
        "        continue",
        "    flags, gtype, hl, gsz, cs, co = struct.unpack('<BBHHHH', b[:10])",
        "    f = b[10:]",
        "    if gtype == 0 or len(f) < 54 or f[23] != 6:",
        "        continue",
        "    l4 = 14 + (f[14] & 15) * 4",
        "    if struct.unpack('!H', f[l4:l4 + 2])[0] != port:",
        "        continue",
        "    last = time.time()",
        "    x = sum(struct.unpack('!4H', f[26:34])) + 6 + struct.unpack('!H', f[16:18])[0] - (l4 - 14)",
        "    while x >> 16:",
        "        x = (x & 0xffff) + (x >> 16)",
        "    ok = flags & 1 and cs == l4 and co == 16 and struct.unpack('!H', f[l4 + 16:l4 + 18])[0] == x",
        "    good, bad = (good + 1, bad) if ok else (good, bad + 1)",
        "print(good, bad, flush=True)");

    /**
     * Serves BYTES bytes (byte i is i * 7 mod 251) to every TCP client of PORT, then closes; on ADDRESS (argv 3, IPv4
     * or IPv6) if given, else every IPv4 address.
     */
    static final String TCP_SOURCE = String.join("\n",
        "import socket, sys",
        "port, n = int(sys.argv[1]), int(sys.argv[2])",
        "addr = sys.argv[3] if len(sys.argv) > 3 else '0.0.0.0'",
        "data = bytes((i * 7) % 251 for i in range(n))",
        "s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind((addr, port))",
        "s.listen(4)",
        "while True:",
        "    c, a = s.accept()",
        "    c.sendall(data)",
        "    c.close()");

    /** Reads everything from ADDRESS:PORT and prints the byte count and the SHA-256. */
    static final String TCP_SINK = String.join("\n",
        "import socket, sys, hashlib",
        "s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)",
        "h = hashlib.sha256()",
        "n = 0",
        "while True:",
        "    d = s.recv(65536)",
        "    if not d:",
        "        break",
        "    h.update(d)",
        "    n += len(d)",
        "print(n, h.hexdigest())");

    /** What {@link #TCP_SOURCE} sends for 4,000,000 bytes. */
    static final String TCP_SOURCE_SHA256 = sha256Of(4_000_000);

    private static String sha256Of(int n) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) ((long) i * 7 % 251);
            }
            return java.util.HexFormat.of().formatHex(md.digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A UDP echo server on port 7 of every address. */
    static final String UDP_ECHO = String.join("\n",
        "import socket",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.bind(('0.0.0.0', 7))",
        "while True:",
        "    d, a = s.recvfrom(2048)",
        "    s.sendto(d, a)");

    /**
     * Sends COUNT 18-byte datagrams from one socket to port 7 of ADDRESS, as fast as the echoes come back (at most
     * 64 in flight), and prints how many came back.
     */
    static final String UDP_BLAST = String.join("\n",
        "import socket, sys",
        "dst, n = sys.argv[1], int(sys.argv[2])",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.settimeout(1.0)",
        "s.connect((dst, 7))",
        "sent = got = 0",
        "while got < n:",
        "    while sent < n and sent - got < 64:",
        "        s.send(b'conntrack4j-bench!')",
        "        sent += 1",
        "    try:",
        "        s.recv(2048)",
        "        got += 1",
        "    except socket.timeout:",
        "        break",
        "print('sent', sent, 'echoed', got)");
}
