package org.conntrack4j.itest;

import static org.conntrack4j.itest.ItPackets.echo;
import static org.conntrack4j.itest.ItPackets.message;
import static org.conntrack4j.itest.ItPackets.packet;
import static org.conntrack4j.itest.ItPackets.tcp;
import static org.conntrack4j.itest.ItPackets.udp;
import static org.conntrack4j.itest.ItPackets.words;
import static org.conntrack4j.itest.PluginBundles.FTP;
import static org.conntrack4j.itest.PluginBundles.GRE;
import static org.conntrack4j.itest.PluginBundles.ICMP;
import static org.conntrack4j.itest.PluginBundles.PLUGINS;
import static org.conntrack4j.itest.PluginBundles.PPTP;
import static org.conntrack4j.itest.PluginBundles.SCTP;
import static org.conntrack4j.itest.PluginBundles.TCP;
import static org.conntrack4j.itest.PluginBundles.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * Chaos under load: two threads push mixed traffic (TCP, UDP, ICMP, SCTP, GRE, FTP, PPTP and IRC control connections,
 * TFTP requests and SIP calls with their expectations, masqueraded out of the WAN) through the live engine while the test thread takes a plug-in
 * bundle at random and stops and starts it, updates it, or uninstalls and reinstalls it, for a fixed number of rounds.
 * Before each round a sentinel connection per protocol runs on the LAN (no NAT binding), the FTP and PPTP ones with
 * their helper and expectations. While the bundle is away: nothing of it is registered, the engine holds nothing of its
 * classes, the sentinels of other bundles are still there, its own are gone (a tracker's connections) or unhelped with
 * their expectations gone (a helper's). Every bundle operation and the traffic threads' end are bounded waits: a
 * deadlock fails the test with every thread's stack. At the end: no exception in any thread, each bundle registers what
 * it did at the start, no thread runs a plug-in's code, and every class loader an uninstall or update let go becomes
 * unreachable.
 *
 * <p>{@value #ROUNDS_VARIABLE} sets the number of rounds (default {@value #DEFAULT_ROUNDS}, about half a minute) for a
 * longer run, {@value #SEED_VARIABLE} the seed of the bundle choices (see README, "Reliability").
 */
class PluginChaosTest {
    static final String ROUNDS_VARIABLE = "CONNTRACK4J_CHAOS_ROUNDS";
    static final String SEED_VARIABLE = "CONNTRACK4J_CHAOS_SEED";
    static final int DEFAULT_ROUNDS = 30;
    /** Bound of one bundle operation and of the traffic threads' end: beyond it, a deadlock. */
    private static final long OPERATION_SECONDS = 30;

    private static final String CLIENT = "198.51.100.10";
    private static final String LAN_PEER = "198.51.100.20";
    private static final String SERVER = "203.0.113.10";
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int SYN_ACK = 0x12;

    /** Who owns each sentinel: the tracker bundle of its protocol, and its helper bundle if any. */
    private enum Kind {
        UDP_FLOW(UDP, null), TCP_FLOW(TCP, null), ICMP_FLOW(ICMP, null), GRE_FLOW(GRE, null), SCTP_FLOW(SCTP, null),
        FTP_CONTROL(TCP, FTP), PPTP_CONTROL(TCP, PPTP);

        final String tracker;
        final String helper;

        Kind(String tracker, String helper) {
            this.tracker = tracker;
            this.helper = helper;
        }
    }

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(PluginChaosTest.class).getBundleContext();
    private PluginBundles bundles;
    private TestRuleset ruleset;
    private NetDevice lan;
    private NetDevice wan;
    private int sentinelPort = 50000;

    @BeforeEach
    void setUp() throws Exception {
        bundles = new PluginBundles(own, conntrack, factory);
        conntrack.table().delete(null);
        lan = TestRuleset.LAN;
        wan = TestRuleset.WAN;
        ruleset = new TestRuleset(own, conntrack, configAdmin);
        ruleset.install();
    }

    @AfterEach
    void restore() throws Exception {
        bundles.bringBack(Set.copyOf(PLUGINS));
        ruleset.remove();
        conntrack.table().delete(null);
    }

    @Test
    void pluginsComeAndGoUnderLoad() throws Exception {
        int rounds = intFromEnv(ROUNDS_VARIABLE, DEFAULT_ROUNDS);
        long seed = intFromEnv(SEED_VARIABLE, 14);
        Random random = new Random(seed);
        Set<Long> threadsBefore = PluginBundles.threadIds();
        Map<String, Integer> servicesBefore = servicesByBundle();
        Map<String, List<String>> pluginsBefore = pluginsByBundle();
        List<WeakReference<ClassLoader>> released = new ArrayList<>();
        Map<String, Integer> operations = new TreeMap<>();

        Traffic[] traffic = {new Traffic(1, 20000), new Traffic(2, 30000)};
        List<Thread> threads = new ArrayList<>();
        for (Traffic t : traffic) {
            Thread th = new Thread(t, "chaos-traffic-" + t.id);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        ExecutorService operator = Executors.newSingleThreadExecutor(r -> new Thread(r, "chaos-operator"));
        try {
            for (int round = 0; round < rounds; round++) {
                String bsn = PLUGINS.get(random.nextInt(PLUGINS.size()));
                int action = random.nextInt(3);
                Map<Kind, Connection> sentinels = sentinels();
                String what = (action == 0 ? "stop " : action == 1 ? "update " : "uninstall ") + bsn;
                operations.merge(what, 1, Integer::sum);
                String context = "round " + round + " (seed " + seed + "): " + what;
                List<PluginInfo> helpers = bundles.helpersOf(bsn);
                WeakReference<ClassLoader> loader = bundles.loaderOf(bsn, anyClassOf(bsn));
                Set<String> activeBefore = bundles.activeBundles();
                bounded(operator, context, () -> {
                    if (action == 0) {
                        bundles.bundle(bsn).stop();
                    } else if (action == 1) {
                        Bundle b = bundles.bundle(bsn);
                        b.update(bundles.jar(bsn));
                        refresh(b);
                    } else {
                        bundles.uninstallAndRefresh(bsn);
                    }
                    return null;
                });
                if (action != 0) {
                    released.add(loader);
                }
                if (action != 1) {
                    Set<String> departed = new java.util.HashSet<>(activeBefore);
                    departed.removeAll(bundles.activeBundles());
                    assertTrue(departed.contains(bsn), context + ": " + bsn + " left");
                    checkAway(context, bsn, departed, helpers, loader, sentinels);
                }
                bounded(operator, context + ", coming back", () -> {
                    bundles.bringBack(activeBefore);
                    return null;
                });
                assertTrue(PluginBundles.waitFor(() -> pluginsByBundle().equals(pluginsBefore)),
                    context + ": every plug-in registered again: " + pluginsByBundle());
                assertTrue(PluginBundles.waitFor(() -> ruleset.inForce(true)), context + ": the ruleset is back");
            }
        } finally {
            for (Traffic t : traffic) {
                t.stop.set(true);
            }
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis(OPERATION_SECONDS));
                if (th.isAlive()) {
                    fail(th.getName() + " did not end: a deadlock?\n" + stacks());
                }
            }
            operator.shutdownNow();
        }
        for (Traffic t : traffic) {
            assertEquals(List.of(), List.copyOf(t.failures), "traffic thread " + t.id + " failed");
            for (int k = 0; k < Traffic.KINDS.length; k++) {
                assertTrue(t.sent.get(k) > 0, Traffic.KINDS[k] + " traffic was sent by thread " + t.id);
            }
        }
        System.out.println("chaos: " + rounds + " rounds " + operations + ", packets per thread "
            + traffic[0].summary() + " / " + traffic[1].summary());

        conntrack.table().delete(null);
        assertEquals(servicesBefore, servicesByBundle(), "each plug-in bundle registers what it did at the start");
        assertEquals(pluginsBefore, pluginsByBundle());
        for (String bsn : PLUGINS) {
            PluginBundles.assertNoThreadLeft(bsn, threadsBefore, threadsRunning(bsn), new WeakReference<>(null));
        }
        for (WeakReference<ClassLoader> l : released) {
            PluginBundles.assertCollected("a plug-in's released revision", l);
        }
    }

    // ---- one round ---------------------------------------------------------------------------------------------

    /** While {@code departed} are away: nothing of them registered or referenced; the sentinels as the owners left. */
    private void checkAway(String context, String bsn, Set<String> departed, List<PluginInfo> helpers,
        WeakReference<ClassLoader> loader, Map<Kind, Connection> sentinels) throws Exception {
        for (String d : departed) {
            bundles.assertNothingRegistered(d, List.of());
        }
        bundles.assertNoReferenceInTheEngine(bsn, helpers, loader);
        for (Map.Entry<Kind, Connection> s : sentinels.entrySet()) {
            Kind k = s.getKey();
            boolean alive = !conntrack.table().connections(c -> c == s.getValue()).isEmpty();
            if (departed.contains(k.tracker)) {
                assertTrue(!alive, context + ": the " + k + " sentinel went with its tracker");
            } else {
                assertTrue(alive, context + ": the " + k + " sentinel survives " + departed);
                if (k.helper != null && departed.contains(k.helper)) {
                    assertNull(s.getValue().helper(), context + ": " + k + " unhelped");
                }
            }
        }
        for (String h : List.of(FTP, PPTP)) {
            if (departed.contains(h)) {
                String name = h.equals(FTP) ? "ftp" : "pptp";
                assertTrue(conntrack.table().expectations().stream().noneMatch(x -> name.equals(x.helper())),
                    context + ": no " + name + " expectation left");
            }
        }
    }

    /** A live connection per kind on the LAN side (no NAT binding); the helped ones with their expectations. */
    private Map<Kind, Connection> sentinels() {
        Map<Kind, Connection> out = new LinkedHashMap<>();
        int p = nextSentinelPort();
        out.put(Kind.UDP_FLOW, flowUdp(p));
        out.put(Kind.TCP_FLOW, handshake(p, 80).ct);
        Packet ping = echo(CLIENT, LAN_PEER, 8, p);
        forward(ping, lan, lan);
        forward(echo(LAN_PEER, CLIENT, 0, p), lan, lan);
        out.put(Kind.ICMP_FLOW, ping.ct);
        Packet gre = packet(Family.IPV4, 47, CLIENT, LAN_PEER, words(0x2001, 0x880b, 0, p));
        forward(gre, lan, lan);
        forward(packet(Family.IPV4, 47, LAN_PEER, CLIENT, words(0x2001, 0x880b, 0, p + 1)), lan, lan);
        out.put(Kind.GRE_FLOW, gre.ct);
        Packet init = ItPackets.sctpInit(CLIENT, p, LAN_PEER, 3868, p);
        forward(init, lan, lan);
        forward(ItPackets.sctpInitAck(LAN_PEER, 3868, CLIENT, p, p, p + 7), lan, lan);
        out.put(Kind.SCTP_FLOW, init.ct);
        Tcp ftp = handshake(p + 1, 21);
        ftp.server("220 ready\r\n");
        ftp.client("PORT 198,51,100,10,156," + (p & 0xff) + "\r\n");
        out.put(Kind.FTP_CONTROL, ftp.ct);
        Tcp pptp = handshake(p + 2, 1723);
        pptp.client(message(1, 144, 0x0100));
        pptp.server(message(2, 144, 0x0100, 0x0100));
        pptp.client(message(7, 156, p & 0xffff, 1));
        pptp.server(message(8, 20, (p + 3) & 0xffff, p & 0xffff, 0x0100));
        out.put(Kind.PPTP_CONTROL, pptp.ct);
        for (Map.Entry<Kind, Connection> e : out.entrySet()) {
            assertNotNull(e.getValue(), e.getKey() + " sentinel");
        }
        return out;
    }

    private int nextSentinelPort() {
        sentinelPort += 4;
        if (sentinelPort > 60000) {
            sentinelPort = 50000;
        }
        return sentinelPort;
    }

    private Connection flowUdp(int port) {
        Packet q = udp(CLIENT, port, LAN_PEER, 53, "q");
        forward(q, lan, lan);
        forward(udp(LAN_PEER, 53, CLIENT, port, "a"), lan, lan);
        return q.ct;
    }

    private Tcp handshake(int cport, int sport) {
        Tcp t = new Tcp(cport, sport);
        Packet syn = tcp(CLIENT, cport, LAN_PEER, sport, t.cseq++, 0, SYN, "");
        forward(syn, lan, lan);
        t.ct = syn.ct;
        forward(tcp(LAN_PEER, sport, CLIENT, cport, t.sseq++, t.cseq, SYN_ACK, ""), lan, lan);
        forward(tcp(CLIENT, cport, LAN_PEER, sport, t.cseq, t.sseq, ACK, ""), lan, lan);
        return t;
    }

    /** A TCP conversation on the LAN: client to LAN_PEER. */
    private final class Tcp {
        final int cport;
        final int sport;
        int cseq = 1000;
        int sseq = 90000;
        Connection ct;

        Tcp(int cport, int sport) {
            this.cport = cport;
            this.sport = sport;
        }

        void client(String text) {
            client(ascii(text));
        }

        void client(byte[] data) {
            forward(tcp(CLIENT, cport, LAN_PEER, sport, cseq, sseq, PSH_ACK, data), lan, lan);
            cseq += data.length;
        }

        void server(String text) {
            server(ascii(text));
        }

        void server(byte[] data) {
            forward(tcp(LAN_PEER, sport, CLIENT, cport, sseq, cseq, PSH_ACK, data), lan, lan);
            sseq += data.length;
        }
    }

    /** PRE_ROUTING from {@code in}, POST_ROUTING to {@code out}; the verdict of the last hook run. */
    private int forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        int v = conntrack.packets().runHook(Hook.PRE_ROUTING, p);
        if (v != Verdict.ACCEPT) {
            return v;
        }
        p.out = out;
        return conntrack.packets().runHook(Hook.POST_ROUTING, p);
    }

    // ---- the traffic -----------------------------------------------------------------------------------------------

    /**
     * Mixed flows out of the WAN, masqueraded while NAT is there: each iteration one short flow of a kind, replies
     * addressed as the packet left (the router's address and port behind NAT). Anything thrown is kept, and so is a
     * verdict that is none of netfilter's; what a flow gets depends on which plug-ins are there at that moment.
     */
    private final class Traffic implements Runnable {
        static final String[] KINDS = {"tcp", "udp", "icmp", "sctp", "gre", "ftp", "pptp", "tftp", "irc", "sip"};
        final int id;
        final int basePort;
        final AtomicBoolean stop = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLongArray sent = new AtomicLongArray(KINDS.length);
        final Random random;
        int next;

        Traffic(int id, int basePort) {
            this.id = id;
            this.basePort = basePort;
            this.random = new Random(id);
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < KINDS.length; k++) {
                b.append(k == 0 ? "" : " ").append(KINDS[k]).append('=').append(sent.get(k));
            }
            return b.toString();
        }

        @Override
        public void run() {
            while (!stop.get() && failures.size() < 10) {
                int kind = random.nextInt(KINDS.length);
                // ports cycle through a window of 4096 per thread: the table stays bounded
                int port = basePort + (next++ & 4095);
                try {
                    flow(kind, port);
                } catch (Throwable t) {
                    java.io.StringWriter w = new java.io.StringWriter();
                    t.printStackTrace(new java.io.PrintWriter(w));
                    failures.add(KINDS[kind] + " flow: " + w);
                }
            }
        }

        private void flow(int kind, int port) {
            switch (kind) {
                case 0 -> {
                    Packet syn = send(0, tcp(CLIENT, port, SERVER, 80, 1000, 0, SYN, ""), lan, wan);
                    send(0, tcp(SERVER, 80, src(syn), sport(syn), 5000, 1001, SYN_ACK, ""), wan, lan);
                    send(0, tcp(CLIENT, port, SERVER, 80, 1001, 5001, PSH_ACK, "GET /\r\n"), lan, wan);
                }
                case 1 -> {
                    Packet q = send(1, udp(CLIENT, port, SERVER, 53, "q"), lan, wan);
                    send(1, udp(SERVER, 53, src(q), sport(q), "a"), wan, lan);
                }
                case 2 -> {
                    Packet ping = send(2, echo(CLIENT, SERVER, 8, port), lan, wan);
                    send(2, echo(SERVER, src(ping), 0, ping.u16(24)), wan, lan);
                }
                case 3 -> {
                    Packet init = send(3, ItPackets.sctpInit(CLIENT, port, SERVER, 3868, port), lan, wan);
                    send(3, ItPackets.sctpInitAck(SERVER, 3868, src(init), sport(init), port, port + 1), wan, lan);
                }
                case 4 -> {
                    send(4, packet(Family.IPV4, 47, CLIENT, SERVER, words(0, 0x0800, 0, 0)), lan, wan);
                    send(4, packet(Family.IPV4, 47, CLIENT, SERVER, words(0x2001, 0x880b, 0, port)), lan, wan);
                }
                case 5 -> control(5, port, 21, ascii("PORT 198,51,100,10,156," + (port & 0xff) + "\r\n"));
                case 6 -> control(6, port, 1723, message(7, 156, port & 0xffff, 1));
                case 7 -> {
                    // a TFTP read request; the server answers from another port (the helper's expectation)
                    Packet rrq = send(7, udp(CLIENT, port, SERVER, 69, "\0\1file\0octet\0"), lan, wan);
                    send(7, udp(SERVER, 40000 + (port & 1023), src(rrq), sport(rrq), "\0\3\0\1data"), wan, lan);
                }
                case 8 -> control(8, port, 6667, ascii("PRIVMSG peer :\1DCC CHAT chat 3325256714 " + (port & 0x7fff)
                    + "\1\r\n"));
                default -> {
                    // a SIP INVITE with its SDP (the helper rewrites and expects the media), and the callee's answer
                    Packet invite = send(9, udp(CLIENT, port, SERVER, 5060, invite(port)), lan, wan);
                    send(9, udp(SERVER, 5060, src(invite), sport(invite), "SIP/2.0 100 Trying\r\nCall-ID: " + port
                        + "@chaos\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"), wan, lan);
                }
            }
        }

        /** Handshake to {@code sport}, then one command from the client (and, for PPTP, its start first). */
        private void control(int kind, int port, int sport, byte[] command) {
            Packet syn = send(kind, tcp(CLIENT, port, SERVER, sport, 1000, 0, SYN, ""), lan, wan);
            String router = src(syn);
            int rport = sport(syn);
            send(kind, tcp(SERVER, sport, router, rport, 5000, 1001, SYN_ACK, ""), wan, lan);
            int cseq = 1001;
            if (sport == 1723) {
                byte[] start = message(1, 144, 0x0100);
                send(kind, tcp(CLIENT, port, SERVER, sport, cseq, 5001, PSH_ACK, start), lan, wan);
                cseq += start.length;
                send(kind, tcp(SERVER, sport, router, rport, 5001, cseq, PSH_ACK, message(2, 144, 0x0100, 0x0100)),
                    wan, lan);
            }
            send(kind, tcp(CLIENT, port, SERVER, sport, cseq, 5001, PSH_ACK, command), lan, wan);
        }

        private Packet send(int kind, Packet p, NetDevice in, NetDevice out) {
            int v = forward(p, in, out);
            if (v != Verdict.ACCEPT && v != Verdict.DROP && v != Verdict.STOLEN) {
                failures.add(KINDS[kind] + ": verdict " + v);
            }
            if (p.ct != null && p.ctinfo > CtInfo.UNTRACKED) {
                failures.add(KINDS[kind] + ": ctinfo " + p.ctinfo);
            }
            sent.incrementAndGet(kind);
            return p;
        }
    }

    /** A SIP INVITE from the client's {@code port}, offering audio on port+1000 (IPv4, SDP). */
    private static String invite(int port) {
        String sdp = "v=0\r\no=- 1 1 IN IP4 " + CLIENT + "\r\ns=-\r\nc=IN IP4 " + CLIENT + "\r\nt=0 0\r\nm=audio "
            + (port + 1000) + " RTP/AVP 0\r\n";
        return "INVITE sip:bob@" + SERVER + " SIP/2.0\r\nVia: SIP/2.0/UDP " + CLIENT + ":" + port + ";branch=z9hG4bK"
            + port + "\r\nFrom: <sip:alice@" + CLIENT + ">;tag=" + port + "\r\nTo: <sip:bob@" + SERVER + ">\r\nCall-ID: "
            + port + "@chaos\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@" + CLIENT + ":" + port + ">\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String src(Packet p) {
        int a = p.u32(12);
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    private static int sport(Packet p) {
        return p.u16(20);
    }

    // ---- bundles -------------------------------------------------------------------------------------------------

    private void refresh(Bundle b) throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        own.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), ev -> {
            if (ev.getType() == FrameworkEvent.PACKAGES_REFRESHED || ev.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        assertTrue(done.await(PluginBundles.WAIT_MILLIS, TimeUnit.MILLISECONDS), "the framework refreshed " + b);
    }

    /** One bundle operation on the operator thread, bounded: beyond the bound, every thread's stack. */
    private void bounded(ExecutorService operator, String what, java.util.concurrent.Callable<Void> op)
        throws Exception {
        Future<Void> f = operator.submit(op);
        try {
            f.get(OPERATION_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail(what + " did not finish in " + OPERATION_SECONDS + " s: a deadlock?\n" + stacks());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(what + " failed", e.getCause());
        }
    }

    private static String stacks() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
            b.append('"').append(t.getKey().getName()).append("\" ").append(t.getKey().getState()).append('\n');
            for (StackTraceElement f : t.getValue()) {
                b.append("    at ").append(f).append('\n');
            }
        }
        return b.toString();
    }

    /** The core's trackers, helpers and extensions, by the bundle that provides them (versions left out). */
    private Map<String, List<String>> pluginsByBundle() {
        Map<String, List<String>> out = new TreeMap<>();
        List<PluginInfo> all = new ArrayList<>(factory.trackers());
        all.addAll(factory.helpers());
        all.addAll(factory.extensions());
        for (PluginInfo p : all) {
            String bsn = p.bundle().split(" ")[0];
            out.computeIfAbsent(bsn, k -> new ArrayList<>()).add(p.name());
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }

    /** How many services each plug-in bundle registers. */
    private Map<String, Integer> servicesByBundle() throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        ServiceReference<?>[] refs = own.getAllServiceReferences(null, null);
        for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
            Bundle b = ref.getBundle();
            if (b != null && PLUGINS.contains(b.getSymbolicName())) {
                out.merge(b.getSymbolicName(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** A class of the bundle's own (its first), to reach its class loader. */
    private String anyClassOf(String bsn) {
        java.util.Enumeration<java.net.URL> e = bundles.bundle(bsn).findEntries("/org", "*.class", true);
        assertTrue(e != null && e.hasMoreElements(), bsn + " has classes");
        String path = e.nextElement().getPath();
        return path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length()).replace('/', '.');
    }

    /** The packages of the bundle's own classes, to recognise a thread running them. */
    private Set<String> threadsRunning(String bsn) {
        return bundles.packagesOf(bsn);
    }

    private static int intFromEnv(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }
}
