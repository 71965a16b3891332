package org.conntrack4j.sync.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.node.FakeLink;
import org.conntrack4j.sync.node.SyncNode;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engines and two sync nodes on one datagram link: the events of engine A (connections with NAT, TCP state, a
 * RELATED one) reach B's external cache as conntrackd would print them, and B's commit puts them into B's table with
 * their bindings, state and master.
 */
class EngineSyncTest {
    private static final String CONF = """
        Sync {
            Mode NOTRACK {
            }
            UDP {
                IPv4_address 192.0.2.1
                IPv4_Destination_Address 192.0.2.2
                Port 3780
                Interface sync0
            }
        }
        """;

    private final Plugins plugins = new Plugins();
    private final ManualClock clock = new ManualClock(250);
    private final Conntrack a;
    private final Conntrack b;
    private long micros = 1_000_000_000L;
    private final SyncNode nodeA;
    private final SyncNode nodeB;

    EngineSyncTest() throws Exception {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addExtension(new NatComponent(), "nat");
        a = plugins.factory().create("a", clock, Map.of(), true);
        b = plugins.factory().create("b", clock, Map.of(), true);
        EngineTable tableB = new EngineTable(b, false);
        nodeB = new SyncNode(ConfParser.parse("b.conf", CONF), List.of(new FakeLink(1472)), tableB, () -> micros,
            new Random(1), m -> { });
        FakeLink toB = new FakeLink(1472).to(d -> nodeB.received(0, d, 0, d.length));
        nodeA = new SyncNode(ConfParser.parse("a.conf", CONF), List.of(toB), new EngineTable(a, false), () -> micros,
            new Random(2), m -> { });
        nodeA.start();
        nodeB.start();
        // what EngineEvents does through the runner, here on the test's thread
        EngineTable tableA = new EngineTable(a, false);
        a.table().addListener(e -> {
            Connection live = e.type() == ConntrackEvent.DESTROY ? null : tableA.live(e.connection().orig(),
                e.connection().zone());
            nodeA.connectionEvent(e.type(), EngineMap.connection(e.connection(), live, null), SyncEvents.Origin.ENGINE);
            nodeA.runPending();
        }, true);
    }

    @AfterEach
    void close() {
        nodeA.stop();
        nodeB.stop();
        a.close();
        b.close();
    }

    private static Tuple tuple(int proto, String src, int sport, String dst, int dport) {
        Tuple t = new Tuple();
        t.family = Family.IPV4;
        t.proto = proto;
        t.srcLo = Integer.toUnsignedLong(Addr.parseV4(src));
        t.dstLo = Integer.toUnsignedLong(Addr.parseV4(dst));
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    @Test
    void connectionsOfOneEngineAreCommittedIntoTheOtherWithNatStateAndMaster() {
        long wan = Integer.toUnsignedLong(Addr.parseV4("203.0.113.1"));
        Tuple master = tuple(IpProto.TCP, "198.51.100.10", 40000, "203.0.113.10", 21);
        assertEquals(NewConnection.CREATED, a.table().create(NewConnection.of(master, 3000)
            .withStatus(Status.SEEN_REPLY | Status.ASSURED).withProtoInfo(ProtoInfo.state(3)).withMark(9)
            .withNat(NatManip.SRC, 0, wan, 41000)));
        Tuple data = tuple(IpProto.TCP, "198.51.100.10", 40001, "203.0.113.10", 5000);
        assertEquals(NewConnection.CREATED, a.table().create(NewConnection.of(data, 100)
            .withStatus(Status.SEEN_REPLY).withProtoInfo(ProtoInfo.state(1)).withMaster(master)));
        Tuple dns = tuple(IpProto.UDP, "198.51.100.11", 5353, "203.0.113.53", 53);
        assertEquals(NewConnection.CREATED, a.table().create(NewConnection.of(dns, 30)));

        String ext = nodeB.dumpExternal(false);
        assertTrue(ext.contains("tcp      6 ESTABLISHED src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=21"),
            ext);
        assertEquals(3, ext.lines().count(), ext);

        SyncNode.CommitResult r = nodeB.commitConnections();
        assertEquals(new SyncNode.CommitResult(3, 0), r);
        Connection m = b.services().find(master, 0);
        assertNotNull(m);
        assertTrue(m.hasStatus(Status.SRC_NAT | Status.ASSURED | Status.SEEN_REPLY));
        assertEquals(wan, m.dstLo(Direction.REPLY));
        assertEquals(41000, m.dstPort(Direction.REPLY));
        assertEquals(9, m.mark());
        assertEquals("ESTABLISHED", b.table().snapshot(m).state());
        // TCPWindowTracking Off: committed liberal on both sides, as conntrackd does
        ProtoInfo info = b.services().tracker(Family.IPV4, IpProto.TCP).protoInfo(m);
        assertEquals(EngineMap.TCP_FLAG_BE_LIBERAL, info.tcpFlags(0) & EngineMap.TCP_FLAG_BE_LIBERAL);
        assertEquals(EngineMap.TCP_FLAG_BE_LIBERAL, info.tcpFlags(1) & EngineMap.TCP_FLAG_BE_LIBERAL);
        Connection d = b.services().find(data, 0);
        assertNotNull(d);
        assertTrue(d.hasStatus(Status.EXPECTED));
        assertEquals(40000, d.master().srcPort(Direction.ORIGINAL));
        assertEquals("SYN_SENT", b.table().snapshot(d).state());
        assertNotNull(b.services().find(dns, 0));

        // A's connection goes: B's external cache forgets it (B's table keeps what was committed)
        a.table().delete(c -> c.protocol() == IpProto.UDP);
        assertEquals(2, nodeB.dumpExternal(false).lines().count());
        assertNull(nodeB.externalConnections().stream().filter(c -> c.orig().protonum() == 17).findAny()
            .orElse(null));
    }

    @Test
    void theInternalCacheHoldsWhatTheEngineHasAndPurgeEmptiesTheTable() {
        Tuple t = tuple(IpProto.UDP, "198.51.100.12", 1000, "203.0.113.12", 2000);
        assertEquals(NewConnection.CREATED, a.table().create(NewConnection.of(t, 30)));
        String in = nodeA.dumpInternal(false);
        // conntrackd -i: no timeout, the reply tuple, the age in the cache
        assertEquals("udp      17 src=198.51.100.12 dst=203.0.113.12 sport=1000 dport=2000 [UNREPLIED] src=203.0.113.12"
            + " dst=198.51.100.12 sport=2000 dport=1000 mark=0 [active since 0s]\n", in);
        assertTrue(new EngineTable(a, false).contains(nodeA.internalConnections().get(0)));
        assertTrue(new EngineTable(a, false).destroy(nodeA.internalConnections().get(0)));
        assertEquals(0, a.table().count());
        assertEquals("", nodeA.dumpInternal(false));
    }
    /**
     * Active FTP through A's source NAT: the client's PORT made an expectation for the server's data connection to
     * the router's address, which NAT's follow-master sends on to the client. Committed on B, the expectation gets
     * the same function, from the NAT tuple and function name a kernel peer sends or, from a conntrack4j peer that
     * sends neither, from the master; the data connection's SYN on B is then translated to the client.
     */
    @Test
    void expectationsOfANattedMasterAreCommittedWithFollowMaster() {
        long wan = Integer.toUnsignedLong(Addr.parseV4("203.0.113.1"));
        Tuple master = tuple(IpProto.TCP, "198.51.100.10", 40000, "203.0.113.10", 21);
        assertEquals(NewConnection.CREATED, b.table().create(NewConnection.of(master, 3000)
            .withStatus(Status.SEEN_REPLY | Status.ASSURED).withProtoInfo(ProtoInfo.state(3))
            .withNat(NatManip.SRC, 0, wan, 41000)));
        EngineTable table = new EngineTable(b, false);
        SyncTuple m = EngineMap.tuple(master);
        InetAddress client = m.src();
        InetAddress server = m.dst();
        InetAddress router = EngineMap.address(Family.IPV4, 0, wan);
        InetAddress none = EngineMap.address(Family.IPV4, 0, 0);
        SyncTuple any = new SyncTuple(none, EngineMap.address(Family.IPV4, 0, 0xffffffffL), IpProto.TCP, 0, 0xffff);
        // from a kernel peer: ctnetlink's NAT tuple (saved address and port as its source) and function
        SyncExpectation kernel = new SyncExpectation(m, new SyncTuple(server, router, IpProto.TCP, 0, 50000), any,
            300L, 0, 0L, new SyncTuple(client, none, IpProto.TCP, 50000, 0), 1, "ftp",
            EngineTable.FOLLOW_MASTER);
        // from a conntrack4j peer: neither
        SyncExpectation ours = new SyncExpectation(m, new SyncTuple(server, router, IpProto.TCP, 0, 50001), any, 300L,
            0, 0L, null, 0, "ftp", null);
        assertTrue(table.commit(kernel, 300));
        assertTrue(table.commit(ours, 300));
        for (int port : new int[] {50000, 50001}) {
            Packet syn = Packets.packet(Packets.tcp("203.0.113.10", 20, "203.0.113.1", port, 1, 0, Packets.SYN,
                new byte[0]));
            syn.tstamp = 1;
            b.packets().runHook(Hook.PRE_ROUTING, syn);
            Connection data = syn.ct;
            assertNotNull(data, "port " + port);
            assertTrue(data.hasStatus(Status.EXPECTED | Status.DST_NAT), "port " + port);
            // the reply comes from the client at the port it announced
            assertEquals(Integer.toUnsignedLong(Addr.parseV4("198.51.100.10")), data.srcLo(Direction.REPLY));
            assertEquals(port, data.srcPort(Direction.REPLY));
        }

        // a master without NAT: nothing to follow, the expected connection keeps its addresses
        Tuple plain = tuple(IpProto.TCP, "198.51.100.20", 40000, "203.0.113.20", 21);
        assertEquals(NewConnection.CREATED, b.table().create(NewConnection.of(plain, 3000)
            .withStatus(Status.SEEN_REPLY | Status.ASSURED).withProtoInfo(ProtoInfo.state(3))));
        SyncTuple p = EngineMap.tuple(plain);
        assertTrue(table.commit(new SyncExpectation(p, new SyncTuple(p.dst(), p.src(), IpProto.TCP, 0, 50002), any,
            300L, 0, 0L, null, 0, "ftp", null), 300));
        Packet syn = Packets.packet(Packets.tcp("203.0.113.20", 20, "198.51.100.20", 50002, 1, 0, Packets.SYN,
            new byte[0]));
        syn.tstamp = 1;
        b.packets().runHook(Hook.PRE_ROUTING, syn);
        assertNotNull(syn.ct);
        assertTrue(syn.ct.hasStatus(Status.EXPECTED));
        assertEquals(0, syn.ct.status() & Status.NAT_MASK);
    }
}
