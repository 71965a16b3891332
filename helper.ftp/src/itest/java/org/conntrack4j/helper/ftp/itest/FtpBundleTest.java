package org.conntrack4j.helper.ftp.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.ftp in a running framework, with the live engine and the NAT bundle: the helper is a service the core
 * finds by name; stopping the bundle destroys its expectations and detaches it from live control connections,
 * which keep running with their sequence adjustment; starting it again helps new connections; and the helper
 * works without NAT.
 */
class FtpBundleTest {
    private static final String BSN = "org.conntrack4j.helper.ftp";
    private static final String NAT_BSN = "org.conntrack4j.nat";
    private static final String CLIENT = "198.51.100.10";
    private static final String SERVER = "203.0.113.10";
    private static final String ROUTER = "203.0.113.1";

    @InjectService
    Conntrack conntrack;

    private final BundleContext own = FrameworkUtil.getBundle(FtpBundleTest.class).getBundleContext();
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
        lan = new NetDevice("ftplan", 81, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xc6336401L, 24)));
        wan = new NetDevice("ftpwan", 82, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));
        // ct state new tcp dport 21 ct helper set "ftp": the helper is looked up each time, as the rule does
        regs.add(conntrack.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed()
                && p.ct.dstPort(Direction.ORIGINAL) == 21) {
                Helper h = conntrack.services().helper("ftp", p.family, IpProto.TCP);
                if (h != null) {
                    conntrack.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "itest ct helper set"));
        regs.add(conntrack.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
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
        for (String bsn : List.of(NAT_BSN, BSN)) {
            Bundle b = bundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        conntrack.table().delete(null);
    }

    /** {@code oifname "ftpwan" masquerade} on the live engine's NAT. */
    private void masquerade() {
        Nat nat = conntrack.services().extension(Nat.class);
        regs.add(nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "itest masquerade") : Verdict.ACCEPT,
            "itest ftp"));
    }

    @Test
    void theHelperIsAServiceNamedFtp() throws Exception {
        boolean found = false;
        for (ServiceReference<Helper> ref : own.getServiceReferences(Helper.class, null)) {
            if (ref.getBundle().getSymbolicName().equals(BSN)) {
                assertEquals("ftp", ref.getProperty(Helper.NAME));
                found = true;
            }
        }
        assertTrue(found);
        assertNotNull(conntrack.services().helper("ftp", Family.IPV4, IpProto.TCP));
        assertNotNull(conntrack.services().helper("ftp", Family.IPV6, IpProto.TCP));
    }

    @Test
    void stoppingTheBundleDetachesItAndStartingItHelpsNewConnections() throws Exception {
        masquerade();
        Control c = new Control(54686).open();
        Packet port = c.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals("PORT 203,0,113,1,156,166\r\n", payload(port), "rewritten behind masquerade");
        assertEquals(1, conntrack.table().expectations().size());
        assertTrue(c.ct.hasStatus(Status.SEQ_ADJUST));
        expectEvents.clear();

        bundle(BSN).stop();
        assertNull(conntrack.services().helper("ftp", Family.IPV4, IpProto.TCP));
        assertEquals(List.of(), conntrack.table().expectations(), "its expectations are destroyed");
        assertEquals(1, expectEvents.size());
        assertTrue(expectEvents.get(0).startsWith("[DESTROY]"), expectEvents.toString());
        assertNull(c.ct.helper(), "detached");
        assertTrue(conntrack.table().connections(null).contains(c.ct), "the control connection keeps running");
        Packet ack = c.serverAck(c.cseq - 2);
        assertEquals("established", c.state);
        assertEquals(c.cseq, ack.u32(28), "still shifted by the rewrite made before");
        Packet unread = c.client("PORT 198,51,100,10,156,167\r\n");
        assertEquals("PORT 198,51,100,10,156,167\r\n", payload(unread), "no longer read");
        assertEquals(List.of(), conntrack.table().expectations());

        bundle(BSN).start();
        Helper again = conntrack.services().helper("ftp", Family.IPV4, IpProto.TCP);
        assertNotNull(again);
        Control fresh = new Control(54687).open();
        assertSame(again, fresh.ct.helper());
        assertEquals("PORT 203,0,113,1,156,168\r\n", payload(fresh.client("PORT 198,51,100,10,156,168\r\n")));
        List<ExpectationSnapshot> live = conntrack.table().expectations();
        assertEquals(1, live.size());
        assertEquals(40104, live.get(0).tuple().dstPort);
        assertNull(c.ct.helper(), "a connection detached stays so");
    }

    @Test
    void theHelperWorksWithoutNat() throws Exception {
        bundle(NAT_BSN).stop();
        assertNull(conntrack.services().extension(Nat.class));
        Control c = new Control(54690, CLIENT).open();
        Packet port = c.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals("PORT 198,51,100,10,156,166\r\n", payload(port));
        List<ExpectationSnapshot> live = conntrack.table().expectations();
        assertEquals(1, live.size());
        assertEquals(40102, live.get(0).tuple().dstPort);
        Packet syn = tcp(SERVER, 20, CLIENT, 40102, 7, 0, 0x02, "");
        assertEquals("related", forward(syn, wan, lan));
        assertSame(c.ct, syn.ct.master());
    }

    // ---- a control connection through the live engine ------------------------------------------------------

    /** One FTP control connection from the client to the server's port 21, through lan and wan. */
    private final class Control {
        final int cport;
        final String seenClient;
        int cseq = 1000;
        int sseq = 90000;
        Connection ct;
        String state;

        Control(int cport, String seenClient) {
            this.cport = cport;
            this.seenClient = seenClient;
        }

        Control(int cport) {
            this(cport, ROUTER);
        }

        /** Handshake, greeting, login. */
        Control open() {
            Packet syn = tcp(CLIENT, cport, SERVER, 21, cseq++, 0, 0x02, "");
            assertEquals("new", forward(syn, lan, wan));
            ct = syn.ct;
            assertEquals("established", forward(tcp(SERVER, 21, seenClient, cport, sseq++, cseq, 0x12, ""), wan, lan));
            assertEquals("established", forward(tcp(CLIENT, cport, SERVER, 21, cseq, sseq, 0x10, ""), lan, wan));
            server("220 ready\r\n");
            client("USER anonymous\r\n");
            server("230 Login successful.\r\n");
            return this;
        }

        Packet client(String text) {
            Packet p = tcp(CLIENT, cport, SERVER, 21, cseq, sseq, 0x18, text);
            cseq += text.length();
            state = forward(p, lan, wan);
            return p;
        }

        Packet server(String text) {
            Packet p = tcp(SERVER, 21, seenClient, cport, sseq, cseq, 0x18, text);
            sseq += text.length();
            state = forward(p, wan, lan);
            return p;
        }

        Packet serverAck(int ack) {
            Packet p = tcp(SERVER, 21, seenClient, cport, sseq, ack, 0x10, "");
            state = forward(p, wan, lan);
            return p;
        }
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

    private static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8
            | Integer.parseInt(p[3]);
    }

    /** An IPv4 TCP segment with payload and valid checksums. */
    private static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, String text) {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        int total = 40 + data.length;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, IpProto.TCP);
        p.put32(12, ip(src));
        p.put32(16, ip(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.put16(20, sport);
        p.put16(22, dport);
        p.put32(24, seq);
        p.put32(28, ack);
        p.put8(32, 5 << 4);
        p.put8(33, flags);
        p.put16(34, 64240);
        p.copyIn(40, data, 0, data.length);
        p.family = Family.IPV4;
        p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }

    private static String payload(Packet p) {
        int off = 20 + ((p.u8(32) >>> 4) << 2);
        byte[] b = new byte[p.length() - off];
        p.copyOut(off, b, 0, b.length);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
