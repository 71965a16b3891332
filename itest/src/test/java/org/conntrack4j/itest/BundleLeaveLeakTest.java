package org.conntrack4j.itest;

import static org.conntrack4j.itest.ItPackets.echo;
import static org.conntrack4j.itest.ItPackets.icmpEcho;
import static org.conntrack4j.itest.ItPackets.message;
import static org.conntrack4j.itest.ItPackets.packet;
import static org.conntrack4j.itest.ItPackets.payload;
import static org.conntrack4j.itest.ItPackets.tcp;
import static org.conntrack4j.itest.ItPackets.udp;
import static org.conntrack4j.itest.ItPackets.words;
import static org.conntrack4j.itest.PluginBundles.AMANDA;
import static org.conntrack4j.itest.PluginBundles.FTP;
import static org.conntrack4j.itest.PluginBundles.GRE;
import static org.conntrack4j.itest.PluginBundles.ICMP;
import static org.conntrack4j.itest.PluginBundles.IRC;
import static org.conntrack4j.itest.PluginBundles.NAT;
import static org.conntrack4j.itest.PluginBundles.PLUGINS;
import static org.conntrack4j.itest.PluginBundles.PPTP;
import static org.conntrack4j.itest.PluginBundles.SANE;
import static org.conntrack4j.itest.PluginBundles.SCTP;
import static org.conntrack4j.itest.PluginBundles.SIP;
import static org.conntrack4j.itest.PluginBundles.TCP;
import static org.conntrack4j.itest.PluginBundles.TFTP;
import static org.conntrack4j.itest.PluginBundles.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * A plug-in bundle leaving leaves no thread, no registration and no reference to its classes behind. For each
 * plug-in: its code is put to work through the live engine (connections it tracks, helps or translates, events to
 * listeners, expectations, NAT bindings, an invalid packet counted under its reason, its settings), then the
 * bundle is uninstalled and the framework refreshed; nothing it registered may remain (services, the core's
 * trackers, helpers, extensions, hooks and settings), nothing the engine keeps may be of its classes, no thread may
 * run its code or carry its class loader, and the class loader must become unreachable. The bundle is then
 * installed again from its location and must work, so that later tests see the whole runtime. The checks live in
 * {@link PluginBundles}, shared with the chaos test; the ruleset in {@link TestRuleset}, the packets in
 * {@link ItPackets}.
 *
 * <p>The test holds its own packets, connections and the bundle only inside helper methods, so that nothing of
 * the test keeps the loader alive; waits are bounded loops, never timing assertions. When the loader stays
 * reachable the heap is dumped next to the reports (under target/) to find the path that holds it.
 */
class BundleLeaveLeakTest {
    private static final String CLIENT = "198.51.100.10";
    private static final String LAN_PEER = "198.51.100.20";
    private static final String SERVER = "203.0.113.10";
    private static final String ROUTER = "203.0.113.1";
    private static final String DROPPED = TestRuleset.DROPPED;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int SYN_ACK = 0x12;
    private static final int GRE_PROTO = 47;

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(BundleLeaveLeakTest.class).getBundleContext();
    private final AtomicInteger syncEvents = new AtomicInteger();
    private final AtomicInteger asyncEvents = new AtomicInteger();
    private final AtomicInteger expectEvents = new AtomicInteger();
    private final List<Registration> listeners = new ArrayList<>();
    private PluginBundles bundles;
    private NetDevice lan;
    private NetDevice wan;
    private TestRuleset ruleset;

    @BeforeEach
    void setUp() throws Exception {
        bundles = new PluginBundles(own, conntrack, factory);
        conntrack.table().delete(null);
        lan = TestRuleset.LAN;
        wan = TestRuleset.WAN;
        // one listener of each delivery: the events of the bundle's connections pass through both
        listeners.add(conntrack.table().addListener(new Counting(syncEvents, expectEvents), true));
        listeners.add(conntrack.table().addListener(new Counting(asyncEvents, new AtomicInteger()), false));
        ruleset = new TestRuleset(own, conntrack, configAdmin);
        ruleset.install();
    }

    @AfterEach
    void restore() throws Exception {
        for (Registration r : listeners) {
            r.close();
        }
        listeners.clear();
        bundles.bringBack(Set.copyOf(PLUGINS));
        ruleset.remove();
        conntrack.table().delete(null);
    }

    /** Counts the events it gets; keeps nothing of them. */
    private static final class Counting implements ConntrackListener {
        private final AtomicInteger count;
        private final AtomicInteger expectations;

        Counting(AtomicInteger count, AtomicInteger expectations) {
            this.count = count;
            this.expectations = expectations;
        }

        @Override
        public void onEvent(ConntrackEvent e) {
            // formatting reads what the bundle's tracker prints
            if (!CtFormat.event(e, false).isEmpty()) {
                count.incrementAndGet();
            }
        }

        @Override
        public void onExpectationEvent(ExpectationEvent e) {
            expectations.incrementAndGet();
        }
    }

    // ---- the tests ---------------------------------------------------------------------------------------------

    @Test
    void protoUdpLeavesNothingBehind() throws Exception {
        leaveAndReturn(UDP, "org.conntrack4j.proto.udp.UdpTracker",
            List.of("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"), this::useUdp, this::udpWorks);
    }

    @Test
    void protoTcpLeavesNothingBehind() throws Exception {
        leaveAndReturn(TCP, "org.conntrack4j.proto.tcp.TcpTracker",
            List.of("nf_conntrack_tcp_loose", "nf_conntrack_tcp_timeout_established"), this::useTcp, this::tcpWorks);
    }

    @Test
    void protoIcmpLeavesNothingBehind() throws Exception {
        leaveAndReturn(ICMP, "org.conntrack4j.proto.icmp.IcmpTracker",
            List.of("nf_conntrack_icmp_timeout", "nf_conntrack_icmpv6_timeout"), this::useIcmp, this::icmpWorks);
    }

    @Test
    void greExampleLeavesNothingBehind() throws Exception {
        leaveAndReturn(GRE, "org.conntrack4j.proto.gre.GreTracker",
            List.of("nf_conntrack_gre_timeout", "nf_conntrack_gre_timeout_stream"), this::useGre, this::greWorks);
    }

    @Test
    void protoSctpLeavesNothingBehind() throws Exception {
        leaveAndReturn(SCTP, "org.conntrack4j.proto.sctp.SctpTracker",
            List.of("nf_conntrack_sctp_timeout_closed", "nf_conntrack_sctp_timeout_established"), this::useSctp,
            this::sctpWorks);
    }

    @Test
    void natLeavesNothingBehind() throws Exception {
        leaveAndReturn(NAT, "org.conntrack4j.nat.NatEngine", List.of(), this::useNat, this::natWorks);
    }

    @Test
    void ftpHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(FTP, "org.conntrack4j.helper.ftp.FtpHelper", List.of(), this::useFtp, this::ftpWorks);
    }

    @Test
    void tftpHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(TFTP, "org.conntrack4j.helper.tftp.TftpHelper", List.of(), this::useTftp, this::tftpWorks);
    }

    @Test
    void ircHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(IRC, "org.conntrack4j.helper.irc.IrcHelper", List.of(), this::useIrc, this::ircWorks);
    }

    @Test
    void amandaHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(AMANDA, "org.conntrack4j.helper.amanda.AmandaHelper",
            List.of("nf_conntrack_amanda.master_timeout"), this::useAmanda, this::amandaWorks);
    }

    @Test
    void saneHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(SANE, "org.conntrack4j.helper.sane.SaneHelper", List.of(), this::useSane, this::saneWorks);
    }

    @Test
    void pptpHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(PPTP, "org.conntrack4j.helper.pptp.PptpHelper", List.of(), this::usePptp, this::pptpWorks);
    }

    @Test
    void sipHelperLeavesNothingBehind() throws Exception {
        leaveAndReturn(SIP, "org.conntrack4j.helper.sip.SipHelper", List.of("nf_conntrack_sip.sip_timeout",
            "nf_conntrack_sip.sip_direct_media", "nf_conntrack_sip.sip_direct_signalling"), this::useSip,
            this::sipWorks);
    }

    // ---- leaving and coming back -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /**
     * Puts the bundle to work ({@code use}), uninstalls it, checks that nothing of it is left, installs it again
     * and checks that it works ({@code works}). {@code settings} are setting names it defines.
     */
    private void leaveAndReturn(String bsn, String privateClass, List<String> settings, Step use, Step works)
        throws Exception {
        Set<Long> threadsBefore = PluginBundles.threadIds();
        use.run();
        assertTrue(syncEvents.get() > 0 && asyncEventsArrive(), "the listeners got the bundle's events");
        Map<String, Long> active = conntrack.settings().active();
        for (String s : settings) {
            assertTrue(active.containsKey(s), s + " is listed while the bundle runs");
        }

        List<PluginInfo> helpers = bundles.helpersOf(bsn);
        WeakReference<ClassLoader> loader = bundles.loaderOf(bsn, privateClass);
        Set<String> packages = bundles.packagesOf(bsn);
        // bundles importing a package of this one (helper.pptp imports proto.gre's key map) are stopped by the refresh
        Set<String> activeBefore = bundles.activeBundles();
        bundles.uninstallAndRefresh(bsn);

        bundles.assertNothingRegistered(bsn, settings);
        bundles.assertNoReferenceInTheEngine(bsn, helpers, loader);
        PluginBundles.assertNoThreadLeft(bsn, threadsBefore, packages, loader);
        PluginBundles.assertCollected(bsn, loader);

        bundles.bringBack(activeBefore);
        works.run();
    }

    private boolean asyncEventsArrive() throws InterruptedException {
        return PluginBundles.waitFor(() -> asyncEvents.get() >= syncEvents.get());
    }

    // ---- UDP -------------------------------------------------------------------------------------------------------

    private void useUdp() {
        long invalid = invalidCount();
        assertEquals("new", forward(udp(CLIENT, 40000, SERVER, 53, "q"), lan, wan));
        assertEquals("established", forward(udp(SERVER, 53, ROUTER, 40000, "a"), wan, lan));
        assertEquals("established", forward(udp(CLIENT, 40000, SERVER, 53, "q2"), lan, wan));
        assertEquals("new", forward(udp(CLIENT, 40001, LAN_PEER, 53, "q"), lan, lan));
        // UDP-Lite, the bundle's second tracker (checksum coverage 8: the header)
        assertEquals("new", forward(packet(Family.IPV4, IpProto.UDPLITE, CLIENT, SERVER, words(40002, 5000, 8, 0)), lan,
            wan));
        killOne(udp(CLIENT, 40003, SERVER, 53, "q"));
        dropOne(udp(CLIENT, 40005, DROPPED, 53, "q"));
        Packet bad = udp(CLIENT, 40004, SERVER, 53, "q");
        bad.put16(26, bad.u16(26) ^ 0x5555);
        assertEquals("invalid", forward(bad, lan, wan));
        assertTrue(invalidCount() > invalid, "counted under its reason");
        assertEquals(30, conntrack.settings().get("nf_conntrack_udp_timeout"));
        assertTrue(conntrack.table().list(c -> c.protocol() == IpProto.UDP).stream()
            .allMatch(s -> s.origL4().contains("sport=")));
    }

    private void udpWorks() {
        assertEquals("udp", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name());
        assertEquals("new", forward(udp(CLIENT, 40100, SERVER, 53, "q"), lan, wan));
        assertTrue(conntrack.table().list(c -> c.protocol() == IpProto.UDP).stream()
            .anyMatch(s -> s.origL4().contains("sport=40100")));
    }

    // ---- TCP -------------------------------------------------------------------------------------------------------

    private void useTcp() {
        long invalid = invalidCount();
        assertEquals("new", forward(tcp(CLIENT, 41000, SERVER, 80, 1000, 0, SYN, ""), lan, wan));
        assertEquals("established", forward(tcp(SERVER, 80, ROUTER, 41000, 9000, 1001, SYN_ACK, ""), wan, lan));
        assertEquals("established", forward(tcp(CLIENT, 41000, SERVER, 80, 1001, 9001, ACK, ""), lan, wan));
        assertEquals("established", forward(tcp(CLIENT, 41000, SERVER, 80, 1001, 9001, PSH_ACK, "GET /\r\n"), lan,
            wan));
        assertEquals("established", forward(tcp(SERVER, 80, ROUTER, 41000, 9001, 1008, ACK, ""), wan, lan));
        assertEquals("ESTABLISHED", conntrack.table().list(c -> c.protocol() == IpProto.TCP).get(0).state());
        assertEquals("new", forward(tcp(CLIENT, 41001, LAN_PEER, 80, 1000, 0, SYN, ""), lan, lan));
        killOne(tcp(CLIENT, 41002, SERVER, 80, 1000, 0, SYN, ""));
        dropOne(tcp(CLIENT, 41004, DROPPED, 80, 1000, 0, SYN, ""));
        assertEquals("invalid", forward(tcp(CLIENT, 41003, SERVER, 80, 1, 0, 0x07, ""), lan, wan),
            "SYN, FIN and RST together");
        assertTrue(invalidCount() > invalid, "counted under its reason");
        assertEquals(1, conntrack.settings().get("nf_conntrack_tcp_loose"));
    }

    private void tcpWorks() {
        assertEquals("tcp", conntrack.services().tracker(Family.IPV4, IpProto.TCP).name());
        assertEquals("new", forward(tcp(CLIENT, 41100, SERVER, 80, 1000, 0, SYN, ""), lan, wan));
        assertTrue(conntrack.table().list(c -> c.protocol() == IpProto.TCP).stream()
            .anyMatch(s -> "SYN_SENT".equals(s.state())));
    }

    // ---- ICMP ------------------------------------------------------------------------------------------------------

    private void useIcmp() {
        long invalid = invalidCount();
        assertEquals("new", forward(echo(CLIENT, SERVER, 8, 11), lan, wan));
        assertEquals("established", forward(echo(SERVER, ROUTER, 0, 11), wan, lan));
        // an ICMP error about a UDP flow, quoting the datagram as the server got it: related to the flow
        Packet query = udp(LAN_PEER, 5000, SERVER, 53, "q");
        assertEquals("new", forward(query, lan, wan));
        byte[] quoted = query.toBytes();
        byte[] unreach = new byte[8 + quoted.length];
        unreach[0] = 3;
        unreach[1] = 3;
        System.arraycopy(quoted, 0, unreach, 8, quoted.length);
        assertEquals("related", forward(packet(Family.IPV4, IpProto.ICMP, SERVER, ROUTER, unreach), wan, lan));
        assertEquals("new", forward(packet(Family.IPV6, IpProto.ICMPV6, "2001:db8:1::10", "2001:db8:2::10",
            icmpEcho(128, 12)), lan, wan));
        assertEquals("established", forward(packet(Family.IPV6, IpProto.ICMPV6, "2001:db8:2::10", "2001:db8:1::10",
            icmpEcho(129, 12)), wan, lan));
        killOne(echo(CLIENT, SERVER, 8, 14));
        dropOne(echo(CLIENT, DROPPED, 8, 15));
        Packet bad = echo(CLIENT, SERVER, 8, 13);
        bad.put16(22, bad.u16(22) ^ 0x5555);
        assertEquals("invalid", forward(bad, lan, wan));
        assertTrue(invalidCount() > invalid, "counted under its reason");
        assertEquals(30, conntrack.settings().get("nf_conntrack_icmp_timeout"));
    }

    private void icmpWorks() {
        assertEquals("icmp", conntrack.services().tracker(Family.IPV4, IpProto.ICMP).name());
        assertEquals("icmpv6", conntrack.services().tracker(Family.IPV6, IpProto.ICMPV6).name());
        assertEquals("invalid", forward(echo(SERVER, CLIENT, 0, 21), wan, lan), "a lone echo reply is refused");
        assertEquals("new", forward(echo(CLIENT, SERVER, 8, 21), lan, wan));
    }

    // ---- GRE -------------------------------------------------------------------------------------------------------

    private void useGre() {
        long invalid = invalidCount();
        assertEquals("new", forward(packet(Family.IPV4, GRE_PROTO, CLIENT, SERVER, words(0, 0x0800, 0, 0)), lan, wan));
        assertEquals("established", forward(packet(Family.IPV4, GRE_PROTO, SERVER, ROUTER, words(0, 0x0800, 0, 0)),
            wan, lan));
        // enhanced GRE (PPTP): key present, version 1, PPP, call id 0x1234
        assertEquals("new", forward(packet(Family.IPV4, GRE_PROTO, CLIENT, LAN_PEER, words(0x2001, 0x880b, 0,
            0x1234)), lan, lan));
        assertTrue(conntrack.table().list(c -> c.protocol() == GRE_PROTO).stream()
            .anyMatch(s -> s.origL4().contains("dstkey=0x1234")));
        killOne(packet(Family.IPV4, GRE_PROTO, CLIENT, "203.0.113.11", words(0x2001, 0x880b, 0, 0x99)));
        dropOne(packet(Family.IPV4, GRE_PROTO, CLIENT, DROPPED, words(0x2001, 0x880b, 0, 0x98)));
        assertEquals("invalid", forward(packet(Family.IPV4, GRE_PROTO, CLIENT, SERVER, words(0x2001, 0x0800, 0, 1)),
            lan, wan), "enhanced GRE that is not PPP");
        assertTrue(invalidCount() > invalid, "counted");
        assertEquals(30, conntrack.settings().get("nf_conntrack_gre_timeout"));
    }

    private void greWorks() {
        assertEquals("gre", conntrack.services().tracker(Family.IPV4, GRE_PROTO).name());
        assertEquals("new", forward(packet(Family.IPV4, GRE_PROTO, CLIENT, SERVER, words(0x2001, 0x880b, 0, 0x4321)),
            lan, wan));
        assertTrue(conntrack.table().list(c -> c.protocol() == GRE_PROTO).stream()
            .anyMatch(s -> s.origL4().contains("dstkey=0x4321")));
    }

    // ---- SCTP ------------------------------------------------------------------------------------------------------

    private void useSctp() {
        long invalid = invalidCount();
        Packet init = ItPackets.sctpInit(CLIENT, 42000, SERVER, 3868, 0x1a2b3c4d);
        assertEquals("new", forward(init, lan, wan));
        assertEquals(ItPackets.ip(ROUTER), init.u32(12), "masqueraded");
        assertTrue(Checksum.sctpValid(init, 20), "the CRC32c recomputed after the port");
        assertEquals("established", forward(ItPackets.sctpInitAck(SERVER, 3868, ROUTER, init.u16(20), 0x1a2b3c4d,
            0x5e6f7081), wan, lan));
        assertTrue(conntrack.table().list(c -> c.protocol() == IpProto.SCTP).stream()
            .anyMatch(s -> "COOKIE_WAIT".equals(s.state())));
        killOne(ItPackets.sctpInit(CLIENT, 42001, "203.0.113.11", 3868, 7));
        dropOne(ItPackets.sctpInit(CLIENT, 42002, DROPPED, 3868, 8));
        Packet bad = ItPackets.sctpInit(CLIENT, 42003, SERVER, 3868, 9);
        bad.put8(28, bad.u8(28) ^ 0xff);
        assertEquals("invalid", forward(bad, lan, wan), "bad CRC");
        assertTrue(invalidCount() > invalid, "counted under its reason");
        assertEquals(210, conntrack.settings().get("nf_conntrack_sctp_timeout_established"));
    }

    private void sctpWorks() {
        assertEquals("sctp", conntrack.services().tracker(Family.IPV4, IpProto.SCTP).name());
        assertEquals("new", forward(ItPackets.sctpInit(CLIENT, 42010, SERVER, 3868, 0x11), lan, wan));
        assertTrue(conntrack.table().list(c -> c.protocol() == IpProto.SCTP).stream()
            .anyMatch(s -> "CLOSED".equals(s.state()) && s.origL4().contains("sport=42010")));
    }

    // ---- NAT -------------------------------------------------------------------------------------------------------

    private void useNat() {
        Packet out = udp(CLIENT, 40000, SERVER, 53, "q");
        assertEquals("new", forward(out, lan, wan));
        assertEquals(ItPackets.ip(ROUTER), out.u32(12), "masqueraded");
        assertEquals("established", forward(udp(SERVER, 53, ROUTER, 40000, "a"), wan, lan));
        // a connection NAT leaves alone (a null binding), which must survive without NAT's data
        assertEquals("new", forward(udp(CLIENT, 40001, LAN_PEER, 53, "q"), lan, lan));
        killOne(udp(CLIENT, 40002, SERVER, 53, "q"));
        dropOne(udp(CLIENT, 40003, DROPPED, 53, "q"));
        // an FTP control connection: its expectation follows the master's binding through NAT
        Control c = new Control(54680, SERVER).open();
        assertEquals("PORT 203,0,113,1,156,166\r\n", c.client("PORT 198,51,100,10,156,166\r\n"));
        assertEquals("related", forward(tcp(SERVER, 20, ROUTER, 40102, 7, 0, SYN, ""), wan, lan));
        assertTrue(conntrack.services().extension(Nat.class).boundConnections().size() >= 3, "NAT bindings");
        assertTrue(expectEvents.get() > 0, "expectation events");
    }

    private void natWorks() throws Exception {
        assertNotNull(conntrack.services().extension(Nat.class));
        // the ruleset in force comes back into the new NAT (the live ruleset does it when NAT arrives)
        assertTrue(PluginBundles.waitFor(() -> ruleset.inForce(true)), "the ruleset's nat chain is back");
        Packet out = udp(CLIENT, 40200, SERVER, 53, "q");
        forward(out, lan, wan);
        assertEquals(ItPackets.ip(ROUTER), out.u32(12), "masqueraded again");
        assertTrue(out.ct.hasStatus(Status.SRC_NAT));
    }

    // ---- FTP -------------------------------------------------------------------------------------------------------

    private void useFtp() {
        Control c = new Control(54690, SERVER).open();
        assertEquals("PORT 203,0,113,1,156,166\r\n", c.client("PORT 198,51,100,10,156,166\r\n"));
        assertEquals("related", forward(tcp(SERVER, 20, ROUTER, 40102, 7, 0, SYN, ""), wan, lan));
        assertEquals("227 Entering Passive Mode (203,0,113,10,117,50).\r\n",
            c.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n"));
        // a control connection on the LAN: helped, not translated
        Control plain = new Control(54691, LAN_PEER, lan).open();
        plain.client("PORT 198,51,100,10,156,167\r\n");
        assertTrue(conntrack.table().expectations().stream().anyMatch(x -> "ftp".equals(x.helper())));
        assertTrue(expectEvents.get() > 0, "expectation events");
        // a command cut short: the helper drops the segment
        assertEquals(Verdict.DROP, plain.clientVerdict("PORT 198,51,100,10,156"));
        // a helped connection that is gone (NAT's table of sources may still know it)
        Control gone = new Control(54693, SERVER).open();
        assertTrue(conntrack.packets().kill(gone.ct));
        Packet syn = tcp(CLIENT, 54694, DROPPED, 21, 1000, 0, SYN, "");
        dropOne(syn);
        assertEquals("ftp", syn.ct.helper().name());
    }

    private void ftpWorks() {
        Control c = new Control(54692, SERVER).open();
        assertEquals("ftp", conntrack.table().snapshot(c.ct).helper());
        c.client("PORT 198,51,100,10,156,168\r\n");
        assertTrue(conntrack.table().expectations().stream().anyMatch(x -> "ftp".equals(x.helper())
            && x.tuple().dstPort == 40104));
    }

    // ---- TFTP, IRC, Amanda, SANE: helped through the ruleset's ct helper objects, behind masquerade ----------------

    private boolean expected(String helper) {
        return conntrack.table().expectations().stream().anyMatch(x -> helper.equals(x.helper()));
    }

    private void useTftp() {
        Packet rrq = udp(CLIENT, 41069, SERVER, 69, "\0\1a.bin\0octet\0");
        assertEquals("new", forward(rrq, lan, wan));
        assertEquals("tftp", rrq.ct.helper().name());
        assertEquals("related", forward(udp(SERVER, 50001, ROUTER, 41069, "\0\3\0\1x"), wan, lan));
        forward(udp(CLIENT, 41070, SERVER, 69, "\0\2b.bin\0octet\0"), lan, wan);
        assertTrue(expected("tftp"));
        assertTrue(expectEvents.get() > 0, "expectation events");
    }

    private void tftpWorks() {
        Packet rrq = udp(CLIENT, 41071, SERVER, 69, "\0\1c.bin\0octet\0");
        forward(rrq, lan, wan);
        assertEquals("tftp", conntrack.table().snapshot(rrq.ct).helper());
        assertTrue(expected("tftp"));
    }

    /** A TCP handshake from the client's {@code cport} to the server's {@code dport} out of the WAN. */
    private Packet handshake(int cport, int dport) {
        Packet syn = tcp(CLIENT, cport, SERVER, dport, 1000, 0, SYN, "");
        assertEquals("new", forward(syn, lan, wan));
        assertEquals("established", forward(tcp(SERVER, dport, ROUTER, cport, 90000, 1001, SYN_ACK, ""), wan, lan));
        assertEquals("established", forward(tcp(CLIENT, cport, SERVER, dport, 1001, 90001, ACK, ""), lan, wan));
        return syn;
    }

    private static final String DCC_OFFER = "PRIVMSG bob :\1DCC SEND f 3325256714 5000 10\1\r\n";

    private void useIrc() {
        assertEquals("irc", handshake(40000, 6667).ct.helper().name());
        Packet offer = tcp(CLIENT, 40000, SERVER, 6667, 1001, 90001, PSH_ACK, DCC_OFFER);
        forward(offer, lan, wan);
        assertEquals("PRIVMSG bob :\1DCC SEND f 3405803777 5000 10\1\r\n", payload(offer), "rewritten");
        assertEquals("related", forward(tcp("203.0.113.30", 41000, ROUTER, 5000, 7, 0, SYN, ""), wan, lan));
        forward(tcp(CLIENT, 40000, SERVER, 6667, 1001 + DCC_OFFER.length(), 90001, PSH_ACK,
            DCC_OFFER.replace("5000", "5001")), lan, wan);
        assertTrue(expected("irc"));
    }

    private void ircWorks() {
        Packet syn = handshake(40001, 6667);
        assertEquals("irc", conntrack.table().snapshot(syn.ct).helper());
        forward(tcp(CLIENT, 40001, SERVER, 6667, 1001, 90001, PSH_ACK, DCC_OFFER.replace("5000", "5002")), lan, wan);
        assertTrue(expected("irc"));
    }

    /** The backup server (on the LAN here) asks the client at {@link #SERVER}, which announces two ports. */
    private Packet amandaAsks(int sport, int data) {
        Packet ask = udp(CLIENT, sport, SERVER, 10080, "Amanda 2.6 REQ HANDLE 000-1 SEQ 1\n");
        assertEquals("new", forward(ask, lan, wan));
        assertEquals("established", forward(udp(SERVER, 10080, ROUTER, sport, "Amanda 2.6 REP HANDLE 000-1 SEQ 1\n"
            + "CONNECT DATA " + data + " MESG " + (data + 1) + "\n"), wan, lan));
        return ask;
    }

    private void useAmanda() {
        assertEquals("amanda", amandaAsks(850, 50010).ct.helper().name());
        assertEquals("related", forward(tcp(CLIENT, 34000, SERVER, 50010, 1, 0, SYN, ""), lan, wan));
        assertTrue(expected("amanda"));
    }

    private void amandaWorks() {
        assertEquals("amanda", conntrack.table().snapshot(amandaAsks(851, 50020).ct).helper());
        assertTrue(expected("amanda"));
    }

    /** SANE_NET_START and saned's successful reply naming {@code port} (both its bytes ASCII, as the text is). */
    private void saneStart(int cport, int port) {
        String start = "\0\0\0\7\0\0\0\1";
        forward(tcp(CLIENT, cport, SERVER, 6566, 1001, 90001, PSH_ACK, start), lan, wan);
        forward(tcp(SERVER, 6566, ROUTER, cport, 90001, 1009, PSH_ACK,
            "\0\0\0\0\0\0" + (char) (port >>> 8) + (char) (port & 0xff) + "\0\0\0\1\0"), wan, lan);
    }

    private void useSane() {
        assertEquals("sane", handshake(44566, 6566).ct.helper().name());
        saneStart(44566, 6512);
        assertEquals("related", forward(tcp(CLIENT, 44121, SERVER, 6512, 1, 0, SYN, ""), lan, wan));
        handshake(44567, 6566);
        saneStart(44567, 6513);
        assertTrue(expected("sane"));
    }

    private void saneWorks() {
        assertEquals("sane", conntrack.table().snapshot(handshake(44568, 6566).ct).helper());
        saneStart(44568, 6514);
        assertTrue(expected("sane"));
    }

    /**
     * Sends the first packet of a connection out of the WAN to {@link #DROPPED}: masqueraded, then dropped before
     * confirmation; a dead connection that NAT's table of sources may still know.
     */
    private void dropOne(Packet first) {
        first.in = lan;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.PRE_ROUTING, first));
        first.out = wan;
        assertEquals(Verdict.DROP, conntrack.packets().runHook(Hook.POST_ROUTING, first));
        assertTrue(first.ct.hasStatus(Status.SRC_NAT_DONE));
        assertFalse(first.ct.isConfirmed());
    }

    /**
     * Sends the first packet of a connection out of the WAN (masqueraded) and destroys the connection: a dead
     * connection that NAT's table of sources may still know.
     */
    private void killOne(Packet first) {
        assertEquals("new", forward(first, lan, wan));
        assertTrue(first.ct.hasStatus(Status.SRC_NAT_DONE));
        assertTrue(conntrack.packets().kill(first.ct));
    }

    // ---- SIP -------------------------------------------------------------------------------------------------------

    private void useSip() {
        // a call whose SDP is rewritten and expected, its first media packet related, and a registration
        Packet invite = udp(CLIENT, 5060, SERVER, 5060, sipInvite(49170));
        assertEquals("new", forward(invite, lan, wan));
        assertTrue(new String(invite.toBytes(), StandardCharsets.US_ASCII).contains("c=IN IP4 " + ROUTER + "\r\n"));
        assertEquals("related", forward(udp(SERVER, 30000, ROUTER, 49170, "rtp"), wan, lan));
        // still unreplied: new, as for any UDP flow
        assertEquals("new", forward(udp(CLIENT, 5060, SERVER, 5060, "REGISTER sip:" + SERVER
            + " SIP/2.0\r\nCSeq: 2 REGISTER\r\nContact: <sip:a@" + CLIENT + ">;expires=60\r\n\r\n"), lan, wan));
        assertTrue(conntrack.table().expectations().stream().anyMatch(x -> "sip".equals(x.helper())));
        assertTrue(expectEvents.get() > 0, "expectation events");
    }

    private void sipWorks() {
        Packet invite = udp(CLIENT, 5062, SERVER, 5060, sipInvite(49180));
        forward(invite, lan, wan);
        assertEquals("sip", conntrack.table().snapshot(invite.ct).helper());
        assertEquals(2, conntrack.table().expectations().stream().filter(x -> "sip".equals(x.helper())).count());
    }

    private static String sipInvite(int rtp) {
        String body = "v=0\r\no=a 1 1 IN IP4 " + CLIENT + "\r\ns=-\r\nc=IN IP4 " + CLIENT + "\r\nt=0 0\r\nm=audio "
            + rtp + " RTP/AVP 0\r\n";
        return "INVITE sip:b@" + SERVER + " SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: " + body.length()
            + "\r\n\r\n" + body;
    }

    // ---- PPTP ------------------------------------------------------------------------------------------------------

    private void usePptp() {
        Pptp a = new Pptp(41723).start();
        assertEquals(41723, a.call(257, 16385), "masqueraded: the PNS call ID is the translated port");
        assertEquals("related", forward(packet(Family.IPV4, GRE_PROTO, CLIENT, SERVER, words(0x2001, 0x880b, 0,
            16385)), lan, wan));
        assertEquals("established", forward(packet(Family.IPV4, GRE_PROTO, SERVER, ROUTER, words(0x2001, 0x880b, 0,
            41723)), wan, lan), "the key map gives the PAC's packets their source key");
        // a call waiting for its GRE: its expectations go with the bundle
        new Pptp(41724).start().call(258, 16386);
        assertTrue(conntrack.table().expectations().stream().anyMatch(x -> "pptp".equals(x.helper())));
        assertTrue(expectEvents.get() > 0, "expectation events");
    }

    private void pptpWorks() {
        Pptp c = new Pptp(41725).start();
        assertEquals("pptp", conntrack.table().snapshot(c.ct).helper());
        c.call(259, 16387);
        assertEquals(2, conntrack.table().expectations().stream().filter(x -> "pptp".equals(x.helper())).count());
    }

    /** One PPTP control connection from the client to the server's port 1723, masqueraded on ltwan. */
    private final class Pptp {
        final int port;
        int cseq = 1000;
        int sseq = 90000;
        Connection ct;

        Pptp(int port) {
            this.port = port;
        }

        /** Handshake, Start-Control-Connection-Request and -Reply. */
        Pptp start() {
            Packet syn = tcp(CLIENT, port, SERVER, 1723, cseq++, 0, SYN, "");
            assertEquals("new", forward(syn, lan, wan));
            ct = syn.ct;
            forward(tcp(SERVER, 1723, ROUTER, port, sseq++, cseq, SYN_ACK, ""), wan, lan);
            forward(tcp(CLIENT, port, SERVER, 1723, cseq, sseq, ACK, ""), lan, wan);
            pns(message(1, 144, 0x0100));
            pac(message(2, 144, 0x0100, 0x0100));
            return this;
        }

        Packet pns(byte[] data) {
            Packet p = tcp(CLIENT, port, SERVER, 1723, cseq, sseq, PSH_ACK, data);
            cseq += data.length;
            forward(p, lan, wan);
            return p;
        }

        void pac(byte[] data) {
            forward(tcp(SERVER, 1723, ROUTER, port, sseq, cseq, PSH_ACK, data), wan, lan);
            sseq += data.length;
        }

        /** Outgoing-Call-Request and -Reply; returns the call ID the PAC saw. */
        int call(int pnsCallId, int pacCallId) {
            int seen = pns(message(7, 156, pnsCallId, 1)).u16(52);
            pac(message(8, 20, pacCallId, seen, 0x0100));
            return seen;
        }
    }

    // ---- an FTP control connection ---------------------------------------------------------------------------------

    /** One FTP control connection from the client to port 21 of {@code server}, out of {@code out}. */
    private final class Control {
        final int cport;
        final String server;
        final NetDevice out;
        /** Where the server's answers go: the router behind masquerade, else the client. */
        final String seenClient;
        int cseq = 1000;
        int sseq = 90000;
        /** How much the client's rewritten commands moved its sequence numbers as the server sees them. */
        int shift;
        Connection ct;

        Control(int cport, String server, NetDevice out) {
            this.cport = cport;
            this.server = server;
            this.out = out;
            this.seenClient = out == wan ? ROUTER : CLIENT;
        }

        Control(int cport, String server) {
            this(cport, server, wan);
        }

        Control open() {
            Packet syn = tcp(CLIENT, cport, server, 21, cseq++, 0, SYN, "");
            assertEquals("new", forward(syn, lan, out));
            ct = syn.ct;
            assertEquals("established", forward(tcp(server, 21, seenClient, cport, sseq++, cseq, SYN_ACK, ""), out,
                lan));
            assertEquals("established", forward(tcp(CLIENT, cport, server, 21, cseq, sseq, ACK, ""), lan, out));
            server("220 ready\r\n");
            client("USER anonymous\r\n");
            server("230 Login successful.\r\n");
            return this;
        }

        /** Sends a command; returns it as it left. */
        String client(String text) {
            Packet p = tcp(CLIENT, cport, server, 21, cseq, sseq, PSH_ACK, text);
            cseq += text.length();
            assertEquals("established", forward(p, lan, out));
            String sent = payload(p);
            shift += sent.length() - text.length();
            return sent;
        }

        int clientVerdict(String text) {
            Packet p = tcp(CLIENT, cport, server, 21, cseq, sseq, PSH_ACK, text);
            p.in = lan;
            conntrack.packets().runHook(Hook.PRE_ROUTING, p);
            p.out = out;
            return conntrack.packets().runHook(Hook.POST_ROUTING, p);
        }

        /** Sends an answer; returns it as it reached the client. */
        String server(String text) {
            Packet p = tcp(server, 21, seenClient, cport, sseq, cseq + shift, PSH_ACK, text);
            sseq += text.length();
            assertEquals("established", forward(p, out, lan));
            return payload(p);
        }
    }

    // ---- packets ---------------------------------------------------------------------------------------------------

    private long invalidCount() {
        return conntrack.stats().invalidByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    /** PRE_ROUTING from {@code in}, POST_ROUTING to {@code out}; returns the ct state after PRE_ROUTING. */
    private String forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.PRE_ROUTING, p));
        String state = CtInfo.stateName(p.ct != null, p.ctinfo);
        p.out = out;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.POST_ROUTING, p));
        return state;
    }

    // ---- bundles ---------------------------------------------------------------------------------------------------

}
