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
 * once a connection is established.
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
        dataplane = lab.insideRouter(() -> Dataplane.start(io, net,
            List.of(LiveInterface.parse(Lab.LAN_IFACE), LiveInterface.parse(Lab.WAN_IFACE)), List.of(), 1));
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
    void pingsGoThroughBothWaysOfResolutionAndMasquerade() {
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
    void theRoutersOwnAddressesAnswerPingOnBothLinks() {
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
            assertTrue(packets >= 100000, "forwarded " + packets + "; " + out);
            System.out.println("forwarding threads allocated " + bytes + " bytes for " + packets + " packets");
        // nothing per packet: a few objects a batch would already be more than a byte a packet
        assertTrue(bytes < packets, bytes + " bytes allocated for " + packets + " packets");
            assertEquals(0, dataplane.counters().get("neigh_failed"));
        } finally {
            echo.destroyForcibly();
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
