package org.conntrack4j.helper.pptp.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.pptp and proto.gre in a running framework with the live engine and NAT: the helper is a service found by
 * name; stopping helper.pptp under a call destroys its expectations and detaches it from its control connections,
 * while the call's GRE connection, its key map entries and every other connection stay; stopping proto.gre destroys
 * the GRE connections and leaves GRE to the generic tracker (and the helper without a key map: no expectations);
 * {@code ct:trackers}' listings name the bundles. (The key map is watched through the listings only: importing
 * proto.gre's package would tie this test bundle to proto.gre, which BundleLeaveLeakTest uninstalls.)
 */
class PptpBundleTest {
    private static final String BSN = "org.conntrack4j.helper.pptp";
    private static final String GRE_BSN = "org.conntrack4j.proto.gre";
    private static final String PNS = "198.51.100.10";
    private static final String PAC = "203.0.113.10";
    private static final String ROUTER = "203.0.113.1";
    private static final int MAGIC = 0x1a2b3c4d;

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    @InjectService
    CommandProcessor shell;

    private final BundleContext own = FrameworkUtil.getBundle(PptpBundleTest.class).getBundleContext();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> expectEvents = Collections.synchronizedList(new ArrayList<>());
    private final List<Registration> regs = new ArrayList<>();
    private NetDevice lan;
    private NetDevice wan;

    private Bundle bundle(String bsn) {
        return Arrays.stream(own.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @BeforeEach
    void setUp() {
        conntrack.table().delete(null);
        lan = new NetDevice("pptplan", 91, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xc6336401L, 24)));
        wan = new NetDevice("pptpwan", 92, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));
        // ct state new tcp dport 1723 ct helper set "pptp": the helper is looked up each time, as the rule does
        regs.add(conntrack.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.TCP
                && p.ct.dstPort(Direction.ORIGINAL) == 1723) {
                Helper h = conntrack.services().helper("pptp", p.family, IpProto.TCP);
                if (h != null) {
                    conntrack.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "itest ct helper set"));
        Nat nat = conntrack.services().extension(Nat.class);
        regs.add(nat.registerChain(Family.IPV4, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "itest masquerade") : Verdict.ACCEPT,
            "itest pptp"));
        regs.add(conntrack.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false));
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expectEvents.add(CtFormat.expectationEvent(e, false));
            }
        }, true));
    }

    @AfterEach
    void restore() throws Exception {
        for (Registration r : regs) {
            r.close();
        }
        for (String bsn : List.of(GRE_BSN, BSN)) {
            Bundle b = bundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        conntrack.table().delete(null);
    }

    @Test
    void theHelperIsAnIpv4ServiceAndCtTrackersNamesTheBundles() throws Exception {
        assertNotNull(conntrack.services().helper("pptp", Family.IPV4, IpProto.TCP));
        assertNull(conntrack.services().helper("pptp", Family.IPV6, IpProto.TCP), "Linux's pptp is IPv4 only");
        assertTrue(has(factory.helpers(), "pptp", BSN), factory.helpers().toString());
        String table = run("ct:trackers");
        assertTrue(table.lines().anyMatch(l -> l.matches("47 +gre +ipv4,ipv6 +active +" + quote(GRE_BSN) + ".*")), table);
        assertTrue(table.lines().anyMatch(l -> l.matches("helper pptp +proto 6 +ipv4 +active +" + quote(BSN) + ".*")),
            table);
        assertTrue(table.lines().anyMatch(l -> l.matches("extension gre-keymap +" + quote(GRE_BSN) + ".*")), table);
    }

    private static String quote(String bsn) {
        return bsn.replace(".", "\\.");
    }

    private String run(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession session = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            session.execute(command);
        } finally {
            session.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean has(List<PluginInfo> list, String name, String bsn) {
        return list.stream().anyMatch(p -> p.name().equals(name) && p.bundle().startsWith(bsn) && p.active());
    }

    @Test
    void stoppingTheHelperUnderACallDetachesItAndLeavesTheCallsGre() throws Exception {
        Control a = new Control(41723).start();
        assertEquals(41723, a.call(257, 16385), "the PNS call ID is the masqueraded port");
        assertEquals("related", gre(PNS, PAC, 16385, lan, wan));
        assertEquals(257, greKey(PAC, ROUTER, 41723, wan, lan), "the PAC's key translated back");
        Control b = new Control(41724).start();
        b.call(258, 16386);
        assertEquals(2, conntrack.table().expectations().size(), "b's call waits for its GRE");
        Packet other = tcp("198.51.100.11", 45000, PAC, 5001, 1, 0, 0x02, new byte[0]);
        assertEquals("new", forward(other, lan, wan));
        int before = conntrack.table().count();
        events.clear();
        expectEvents.clear();

        bundle(BSN).stop();
        assertNull(conntrack.services().helper("pptp", Family.IPV4, IpProto.TCP));
        assertTrue(run("ct:trackers").lines().noneMatch(l -> l.contains(BSN)));
        assertEquals(List.of(), conntrack.table().expectations(), "its expectations are destroyed");
        assertEquals(2, expectEvents.size(), expectEvents.toString());
        assertNull(a.ct.helper(), "detached");
        assertNull(b.ct.helper());
        assertEquals(before, conntrack.table().count(), "no connection is destroyed: " + events);
        assertTrue(events.stream().allMatch(e -> e.contains("[UPDATE]")), events.toString());
        assertEquals(257, greKey(PAC, ROUTER, 41723, wan, lan), "the call's GRE and key map entries stay");
        assertEquals(258, a.pns(message(12, 4, 258)).u16(52), "Call-Clear-Request no longer rewritten");

        bundle(BSN).start();
        Helper again = conntrack.services().helper("pptp", Family.IPV4, IpProto.TCP);
        assertNotNull(again);
        Control c = new Control(41725).start();
        assertSame(again, c.ct.helper());
        assertEquals(41725, c.call(259, 16387));
        assertEquals(2, conntrack.table().expectations().size());
        assertNull(a.ct.helper(), "a connection detached stays so");
    }

    @Test
    void stoppingTheGreTrackerDestroysGreConnectionsAndLeavesTheHelperWithoutKeyMap() throws Exception {
        Control a = new Control(41730).start();
        a.call(257, 16385);
        assertEquals("related", gre(PNS, PAC, 16385, lan, wan));
        assertEquals(1, conntrack.table().list(c -> c.protocol() == IpProto.GRE).size());

        bundle(GRE_BSN).stop();
        assertEquals(0, conntrack.table().list(c -> c.protocol() == IpProto.GRE).size(), "GRE connections destroyed");
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, IpProto.GRE));
        assertTrue(run("ct:trackers").lines().noneMatch(l -> l.contains(GRE_BSN)), "tracker and key map left");
        assertSame(conntrack.services().helper("pptp", Family.IPV4, IpProto.TCP), a.ct.helper(),
            "the control connection keeps its helper");
        a.call(258, 16386);
        assertEquals(List.of(), conntrack.table().expectations(), "without the key map a call gets no expectations");
        assertEquals("new", gre(PNS, PAC, 16386, lan, wan), "GRE tracked generically");

        bundle(GRE_BSN).start();
        assertEquals("gre", conntrack.services().tracker(Family.IPV4, IpProto.GRE).name());
        assertTrue(has(factory.extensions(), "gre-keymap", GRE_BSN));
        assertEquals(0, conntrack.table().list(c -> c.protocol() == IpProto.GRE).size(), "generic GRE replaced");
        Control c = new Control(41731).start();
        c.call(259, 16387);
        assertEquals(2, conntrack.table().expectations().size());
    }

    // ---- a control connection through the live engine ------------------------------------------------------

    /** One PPTP control connection from the PNS to the PAC's port 1723, masqueraded on pptpwan. */
    private final class Control {
        final int port;
        int cseq = 1000;
        int sseq = 90000;
        Connection ct;

        Control(int port) {
            this.port = port;
        }

        /** Handshake, Start-Control-Connection-Request and -Reply. */
        Control start() {
            Packet syn = tcp(PNS, port, PAC, 1723, cseq++, 0, 0x02, new byte[0]);
            assertEquals("new", forward(syn, lan, wan));
            ct = syn.ct;
            assertEquals("established", forward(tcp(PAC, 1723, ROUTER, port, sseq++, cseq, 0x12, new byte[0]), wan, lan));
            assertEquals("established", forward(tcp(PNS, port, PAC, 1723, cseq, sseq, 0x10, new byte[0]), lan, wan));
            pns(message(1, 144, 0x0100));
            pac(message(2, 144, 0x0100, 0x0100));
            return this;
        }

        Packet pns(byte[] data) {
            Packet p = tcp(PNS, port, PAC, 1723, cseq, sseq, 0x18, data);
            cseq += data.length;
            assertEquals("established", forward(p, lan, wan));
            return p;
        }

        Packet pac(byte[] data) {
            Packet p = tcp(PAC, 1723, ROUTER, port, sseq, cseq, 0x18, data);
            sseq += data.length;
            assertEquals("established", forward(p, wan, lan));
            return p;
        }

        /** Outgoing-Call-Request and -Reply; returns the call ID the PAC saw. */
        int call(int pnsCallId, int pacCallId) {
            int seen = pns(message(7, 156, pnsCallId, 1)).u16(52);
            pac(message(8, 20, pacCallId, seen, 0x0100));
            return seen;
        }
    }

    /** A control message of {@code type} with a body of {@code size} bytes starting with these words. */
    private static byte[] message(int type, int size, int... words) {
        ByteBuffer b = ByteBuffer.allocate(12 + size);
        b.putShort((short) (12 + size)).putShort((short) 1).putInt(MAGIC).putShort((short) type).putShort((short) 0);
        for (int w : words) {
            b.putShort((short) w);
        }
        return b.array();
    }

    /** Sends enhanced GRE with this call ID; returns the ct state. */
    private String gre(String src, String dst, int callId, NetDevice in, NetDevice out) {
        return forward(grePacket(src, dst, callId), in, out);
    }

    /** Sends enhanced GRE with this call ID; returns the call ID it left with. */
    private int greKey(String src, String dst, int callId, NetDevice in, NetDevice out) {
        Packet p = grePacket(src, dst, callId);
        forward(p, in, out);
        return p.u16(26);
    }

    private static Packet grePacket(String src, String dst, int callId) {
        byte[] l4 = ByteBuffer.allocate(12).putShort((short) 0x2001).putShort((short) 0x880b).putShort((short) 4)
            .putShort((short) callId).putInt(0xff03c021).array();
        return ItPackets.ipv4(src, dst, IpProto.GRE, l4);
    }

    /** PRE_ROUTING and POST_ROUTING; returns the ct state after PRE_ROUTING. */
    private String forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.PRE_ROUTING, p));
        String s = CtInfo.stateName(p.ct != null, p.ctinfo);
        p.out = out;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.POST_ROUTING, p));
        return s;
    }

    private static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        byte[] l4 = ByteBuffer.allocate(20 + data.length).putShort((short) sport).putShort((short) dport).putInt(seq)
            .putInt(ack).put((byte) 0x50).put((byte) flags).putShort((short) 64240).putInt(0).put(data).array();
        return ItPackets.ipv4(src, dst, IpProto.TCP, l4);
    }
}
