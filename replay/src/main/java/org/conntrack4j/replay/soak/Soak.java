package org.conntrack4j.replay.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.Routers;

/**
 * Runs a replay's router and engine in real time with churning IPv4 traffic between a LAN of clients and servers
 * beyond the WAN side, through a ruleset that masquerades and gives FTP control connections the FTP helper
 * ({@link #RULESET}): short TCP connections closed properly, TCP connections refused with a reset, UDP queries,
 * ICMP echoes, FTP sessions whose passive data connections are expected (some never opened, so the expectations time
 * out), and a pool of long-lived TCP connections exchanging data. The engine's clock is the real clock, so entries
 * leave by their real timeouts (TIME_WAIT 120 s, UDP 30 s, ...) and the table settles after a few minutes. Every
 * report period a row: heap used after a full GC, table size, expectations, the engine's counters, and the NEW and DESTROY events a listener
 * received.
 *
 * <p>The peers answer what the router forwards: the port and ICMP id a reply goes to are read from the frame that
 * left the WAN side (masquerade may change them).
 */
final class Soak {
    /** The router's ruleset: masquerade on the WAN side, the FTP helper on port 21, invalid packets dropped. */
    static final String RULESET = String.join("\n",
        "table ip soak {",
        "\tct helper ftp-standard {",
        "\t\ttype \"ftp\" protocol tcp",
        "\t\tl3proto ip",
        "\t}",
        "\tchain helpers {",
        "\t\ttype filter hook prerouting priority filter; policy accept;",
        "\t\ttcp dport 21 ct helper set \"ftp-standard\"",
        "\t}",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy accept;",
        "\t\tct state invalid counter drop",
        "\t}",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        "\t\toifname \"wan\" masquerade",
        "\t}",
        "}", "");

    static final int LAN = 0;
    static final int WAN = 1;
    private static final byte[] LAN_MAC = {2, 0, 0, 0, 1, 1};
    private static final byte[] CLIENT_MAC = {2, 0, 0, 0, 1, 2};
    private static final byte[] WAN_MAC = {2, 0, 0, 0, 2, 1};
    private static final byte[] SERVER_MAC = {2, 0, 0, 0, 2, 2};
    /** 192.0.2.2 .. 192.0.2.201 on the LAN; servers 198.51.100.10 .. 59 on the WAN link. */
    private static final int CLIENT_BASE = 0xc000_0202;
    private static final int CLIENTS = 200;
    private static final int SERVER_BASE = 0xc633_640a;
    private static final int SERVERS = 50;

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: soak\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = new byte[400];
    private static final byte[] CHUNK = new byte[200];
    private static final byte[] FTP_READY = "220 soak\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FTP_PASV = "PASV\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Settings of a run. */
    static final class Options {
        double minutes = 1;
        /** Short-lived connections (sessions) opened per second. */
        int conns = 500;
        /** Long-lived TCP connections kept open, each exchanging a segment and its acknowledgement per second. */
        int longLived = 1000;
        double reportSeconds = 60;
        Map<String, String> sysctls = Map.of();
    }

    /** Installs the soak's ruleset into an engine (the command's rules service). */
    @FunctionalInterface
    interface RulesetInstaller {
        AutoCloseable install(Conntrack net, String text) throws Exception;
    }

    /** Creates the engine, with the clock the soak drives. */
    @FunctionalInterface
    interface Engines {
        Conntrack create(ManualClock clock, Map<String, String> sysctls);
    }

    private final Options o;
    private final PrintStream out;
    private final SoakFrames f = new SoakFrames();
    private final Result result = new Result();
    private final SplittableRandom random = new SplittableRandom(14);
    private final byte[][] sent = {new byte[2048], new byte[2048]};
    private final int[] sentCount = new int[2];
    private Forwarder forwarder;
    private long now;

    /** NEW and DESTROY events, as a {@code conntrack -E} listening all along would count them. */
    private final long[] events = new long[2];
    private long sessions;
    private long packets;
    /** Packets from a peer that the router did not pass on (dropped somewhere); should stay 0. */
    private long lost;
    private int nextPort;
    /** What is being sent (session kind and packet), to say where packets were lost. */
    private String doing = "";
    private final Map<String, Long> lostBy = new TreeMap<>();

    // the long-lived pool, in parallel arrays: client, its port, the port it leaves the WAN side by, server, seqs
    private final int[] llClient;
    private final int[] llPort;
    private final int[] llNatPort;
    private final int[] llServer;
    private final long[] llSeqC;
    private final long[] llSeqS;
    private final int[] llLeft;
    private int llNext;

    Soak(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
        int n = o.longLived;
        llClient = new int[n];
        llPort = new int[n];
        llNatPort = new int[n];
        llServer = new int[n];
        llSeqC = new long[n];
        llSeqS = new long[n];
        llLeft = new int[n];
    }

    /** Runs for the configured minutes, printing the header and a row per period; returns the summary line. */
    String run(Engines engines, RulesetInstaller rules) throws Exception {
        long wallBase = System.currentTimeMillis() * 1_000_000L;
        ManualClock clock = new ManualClock(Replay.HZ);
        clock.setWallNanos(wallBase);
        Conntrack net = engines.create(clock, o.sysctls);
        try (Registration listener = net.table().addListener(e -> {
                if (e.has(CtEvent.NEW)) {
                    events[0]++;
                }
                if (e.has(CtEvent.DESTROY)) {
                    events[1]++;
                }
            }, true);
             AutoCloseable ruleset = rules.install(net, RULESET);
             Router router = Routers.create(net, RouterConfig.of(List.of(
                 RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "192.0.2.1/24"),
                 RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "198.51.100.1/24"))))) {
            forwarder = router.forwarder((port, t, b, off, len) -> {
                if (len <= sent[port].length) {
                    System.arraycopy(b, off, sent[port], 0, len);
                }
                sentCount[port]++;
            });
            out.println(header());
            long t0 = System.nanoTime();
            long end = t0 + (long) (o.minutes * 60e9);
            long period = (long) (o.reportSeconds * 1e9);
            long nextReport = t0 + period;
            double startHeap = -1;
            double maxHeap = 0;
            double endHeap = 0;
            int maxTable = 0;
            long exchanges = 0;
            for (int i = 0; i < o.longLived; i++) {
                openLong(i);
            }
            while (true) {
                long t = System.nanoTime();
                now = wallBase + (t - t0);
                clock.setWallNanos(now);
                net.table().expire();
                forwarder.tick(now);
                double elapsed = (t - t0) / 1e9;
                long wantSessions = (long) (o.conns * elapsed);
                long wantExchanges = (long) (o.longLived * elapsed);
                boolean idle = sessions >= wantSessions && exchanges >= wantExchanges;
                for (int k = 0; k < 64 && sessions < wantSessions; k++) {
                    session();
                }
                for (int k = 0; k < 64 && exchanges < wantExchanges && o.longLived > 0; k++, exchanges++) {
                    exchange();
                }
                maxTable = Math.max(maxTable, net.stats().count());
                if (t >= nextReport || t >= end) {
                    double heap = heapAfterGc();
                    startHeap = startHeap < 0 ? heap : startHeap;
                    maxHeap = Math.max(maxHeap, heap);
                    endHeap = heap;
                    out.println(row(elapsed, heap, net.stats()));
                    out.flush();
                    nextReport += period;
                    if (t >= end) {
                        break;
                    }
                }
                if (idle) {
                    Thread.sleep(1);
                }
            }
            String summary = String.format("soak: %.1f minutes, %d sessions, %d packets, %d lost; heap after GC: start"
                + " %.1f MB, end %.1f MB, max %.1f MB; table max %d", o.minutes, sessions, packets, lost, startHeap,
                endHeap, maxHeap, maxTable);
            if (!net.stats().invalidByReason().isEmpty()) {
                summary += "\nsoak: invalid by reason: " + net.stats().invalidByReason();
            }
            if (!lostBy.isEmpty()) {
                summary += "\nsoak: lost: " + lostBy;
            }
            return summary;
        } finally {
            net.close();
        }
    }

    static String header() {
        return String.format("%8s %9s %8s %6s %10s %11s %11s %10s %10s %8s %8s %10s %13s %10s %13s %13s %6s",
            "seconds", "heap_mb", "table", "expect", "sessions", "packets", "found", "new", "destroy", "invalid", "drop",
            "early_drop", "insert_failed", "expect_new", "expect_create", "expect_delete", "lost");
    }

    private String row(double elapsed, double heap, Stats s) {
        return String.format("%8.0f %9.1f %8d %6d %10d %11d %11d %10d %10d %8d %8d %10d %13d %10d %13d %13d %6d",
            elapsed, heap, s.count(), s.expectCount(), sessions, packets, s.get(Stats.FOUND), events[0], events[1],
            s.get(Stats.INVALID), s.get(Stats.DROP), s.get(Stats.EARLY_DROP), s.get(Stats.INSERT_FAILED),
            s.get(Stats.EXPECT_NEW), s.get(Stats.EXPECT_CREATE), s.get(Stats.EXPECT_DELETE), lost);
    }

    /** Heap in use right after a full collection, in MB. */
    private static double heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    private int client() {
        return CLIENT_BASE + random.nextInt(CLIENTS);
    }

    private int server() {
        return SERVER_BASE + random.nextInt(SERVERS);
    }

    /** A client port: cycles through 1024..65535, so that a tuple comes back only long after its entry is gone. */
    private int port() {
        nextPort = nextPort >= 65535 - 1024 ? 0 : nextPort + 1;
        return 1024 + nextPort;
    }

    /** One short session, of a kind drawn at random. */
    private void session() throws IOException {
        sessions++;
        int kind = random.nextInt(100);
        if (kind < 35) {
            doing = "tcp";
            tcpSession(client(), port(), server(), 80);
        } else if (kind < 40) {
            doing = "refused";
            refused(client(), port(), server());
        } else if (kind < 70) {
            doing = "udp";
            udp(client(), port(), server());
        } else if (kind < 85) {
            doing = "ping";
            ping(client(), server());
        } else {
            doing = "ftp";
            ftp(client(), port(), server(), kind < 97);
        }
    }

    /** A frame from a LAN client; returns whether the router sent something out of the WAN side. */
    private boolean fromLan() throws IOException {
        return feed(LAN, WAN);
    }

    /** A frame from a server; returns whether the router sent something out of the LAN side. */
    private boolean fromWan() throws IOException {
        return feed(WAN, LAN);
    }

    private boolean feed(int in, int expectOut) throws IOException {
        int before = sentCount[expectOut];
        forwarder.receive(in, Forwarder.LINKTYPE_ETHERNET, f.buf, 0, f.length, now, packets++, result);
        if (sentCount[expectOut] == before) {
            lost++;
            int proto = f.buf[SoakFrames.ETH + 9];
            String packet = proto == 6 ? String.format("tcp flags 0x%02x", f.buf[SoakFrames.ETH + SoakFrames.IP + 13])
                : "protocol " + proto;
            lostBy.merge(doing + ", " + packet + " from " + (in == LAN ? "lan" : "wan") + ": "
                + (result.note != null ? result.note : result.fateText()) + " ct " + result.ctState, 1L, Long::sum);
            return false;
        }
        return true;
    }

    /** The source port (or ICMP id) of the last frame sent out of the WAN side. */
    private int natPort() {
        return SoakFrames.u16(sent[WAN], SoakFrames.ETH + SoakFrames.IP);
    }

    private int natId() {
        return SoakFrames.u16(sent[WAN], SoakFrames.ETH + SoakFrames.IP + 4);
    }

    /** Handshake; returns the port the connection leaves the WAN side by, or -1 if the SYN did not get through. */
    private int handshake(int c, int cp, int s, int sp, long isnC, long isnS) throws IOException {
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, isnC, 0, SoakFrames.SYN, null);
        if (!fromLan()) {
            return -1;
        }
        int p = natPort();
        f.tcp(WAN_MAC, SERVER_MAC, s, wanAddress(), sp, p, isnS, isnC + 1, SoakFrames.SYN | SoakFrames.ACK, null);
        fromWan();
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, isnC + 1, isnS + 1, SoakFrames.ACK, null);
        fromLan();
        return p;
    }

    private static int wanAddress() {
        return 0xc633_6401;
    }

    /** Client sends {@code data} at seqC, the server acknowledges it. */
    private void clientData(int c, int cp, int s, int sp, int p, long seqC, long seqS, byte[] data) throws IOException {
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, seqC, seqS, SoakFrames.PSH | SoakFrames.ACK, data);
        fromLan();
        f.tcp(WAN_MAC, SERVER_MAC, s, wanAddress(), sp, p, seqS, seqC + data.length, SoakFrames.ACK, null);
        fromWan();
    }

    /** Server sends {@code data} at seqS, the client acknowledges it. */
    private void serverData(int c, int cp, int s, int sp, int p, long seqC, long seqS, byte[] data) throws IOException {
        f.tcp(WAN_MAC, SERVER_MAC, s, wanAddress(), sp, p, seqS, seqC, SoakFrames.PSH | SoakFrames.ACK, data);
        fromWan();
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, seqC, seqS + data.length, SoakFrames.ACK, null);
        fromLan();
    }

    /** The client closes first: FIN, the server's FIN, the last ACK (the entry waits in TIME_WAIT). */
    private void close(int c, int cp, int s, int sp, int p, long seqC, long seqS) throws IOException {
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, seqC, seqS, SoakFrames.FIN | SoakFrames.ACK, null);
        fromLan();
        f.tcp(WAN_MAC, SERVER_MAC, s, wanAddress(), sp, p, seqS, seqC + 1, SoakFrames.FIN | SoakFrames.ACK, null);
        fromWan();
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, sp, seqC + 1, seqS + 1, SoakFrames.ACK, null);
        fromLan();
    }

    private void tcpSession(int c, int cp, int s, int sp) throws IOException {
        long isnC = random.nextInt() & 0xffffffffL;
        long isnS = random.nextInt() & 0xffffffffL;
        int p = handshake(c, cp, s, sp, isnC, isnS);
        if (p < 0) {
            return;
        }
        clientData(c, cp, s, sp, p, isnC + 1, isnS + 1, REQUEST);
        serverData(c, cp, s, sp, p, isnC + 1 + REQUEST.length, isnS + 1, RESPONSE);
        close(c, cp, s, sp, p, isnC + 1 + REQUEST.length, isnS + 1 + RESPONSE.length);
    }

    /** A SYN answered with a reset (nothing listens): the entry closes at once (CLOSE, 10 s). */
    private void refused(int c, int cp, int s) throws IOException {
        long isnC = random.nextInt() & 0xffffffffL;
        f.tcp(LAN_MAC, CLIENT_MAC, c, s, cp, 81, isnC, 0, SoakFrames.SYN, null);
        if (fromLan()) {
            f.tcp(WAN_MAC, SERVER_MAC, s, wanAddress(), 81, natPort(), 0, isnC + 1, SoakFrames.RST | SoakFrames.ACK,
                null);
            fromWan();
        }
    }

    private void udp(int c, int cp, int s) throws IOException {
        f.udp(LAN_MAC, CLIENT_MAC, c, s, cp, 53, 30);
        if (fromLan()) {
            f.udp(WAN_MAC, SERVER_MAC, s, wanAddress(), 53, natPort(), 90);
            fromWan();
        }
    }

    private void ping(int c, int s) throws IOException {
        int id = port();
        for (int seq = 1; seq <= 2; seq++) {
            f.echo(LAN_MAC, CLIENT_MAC, c, s, 8, id, seq);
            if (fromLan()) {
                f.echo(WAN_MAC, SERVER_MAC, s, wanAddress(), 0, natId(), seq);
                fromWan();
            }
        }
    }

    /**
     * An FTP session in passive mode: the 227 reply makes the helper expect the data connection; with {@code data}
     * the client opens it (RELATED), receives a file and both connections close; without, the expectation is left to
     * time out.
     */
    private void ftp(int c, int cp, int s, boolean data) throws IOException {
        long isnC = random.nextInt() & 0xffffffffL;
        long isnS = random.nextInt() & 0xffffffffL;
        int p = handshake(c, cp, s, 21, isnC, isnS);
        if (p < 0) {
            return;
        }
        long seqC = isnC + 1;
        long seqS = isnS + 1;
        serverData(c, cp, s, 21, p, seqC, seqS, FTP_READY);
        seqS += FTP_READY.length;
        clientData(c, cp, s, 21, p, seqC, seqS, FTP_PASV);
        seqC += FTP_PASV.length;
        int dataPort = 30000 + random.nextInt(20000);
        byte[] pasv = String.format("227 Entering Passive Mode (198,51,100,%d,%d,%d).\r\n", s & 0xff, dataPort >>> 8,
            dataPort & 0xff).getBytes(StandardCharsets.US_ASCII);
        serverData(c, cp, s, 21, p, seqC, seqS, pasv);
        seqS += pasv.length;
        if (data) {
            int dcp = port();
            long dC = random.nextInt() & 0xffffffffL;
            long dS = random.nextInt() & 0xffffffffL;
            int dp = handshake(c, dcp, s, dataPort, dC, dS);
            if (dp >= 0) {
                serverData(c, dcp, s, dataPort, dp, dC + 1, dS + 1, RESPONSE);
                close(c, dcp, s, dataPort, dp, dC + 1, dS + 1 + RESPONSE.length);
            }
        }
        close(c, cp, s, 21, p, seqC, seqS);
    }

    /** Opens long-lived connection {@code i} with a lifetime of 60 to 600 exchanges. */
    private void openLong(int i) throws IOException {
        int c = client();
        int cp = port();
        int s = server();
        long isnC = random.nextInt() & 0xffffffffL;
        long isnS = random.nextInt() & 0xffffffffL;
        int p = handshake(c, cp, s, 443, isnC, isnS);
        llClient[i] = c;
        llPort[i] = cp;
        llNatPort[i] = p;
        llServer[i] = s;
        llSeqC[i] = isnC + 1;
        llSeqS[i] = isnS + 1;
        llLeft[i] = 60 + random.nextInt(540);
    }

    /** The next long-lived connection sends a chunk each way, or closes and is replaced when its lifetime is up. */
    private void exchange() throws IOException {
        doing = "long-lived";
        int i = llNext;
        llNext = (llNext + 1) % llClient.length;
        if (llNatPort[i] < 0 || --llLeft[i] <= 0) {
            if (llNatPort[i] >= 0) {
                close(llClient[i], llPort[i], llServer[i], 443, llNatPort[i], llSeqC[i], llSeqS[i]);
            }
            openLong(i);
            return;
        }
        clientData(llClient[i], llPort[i], llServer[i], 443, llNatPort[i], llSeqC[i], llSeqS[i], CHUNK);
        llSeqC[i] += CHUNK.length;
        serverData(llClient[i], llPort[i], llServer[i], 443, llNatPort[i], llSeqC[i], llSeqS[i], CHUNK);
        llSeqS[i] += CHUNK.length;
    }
}
