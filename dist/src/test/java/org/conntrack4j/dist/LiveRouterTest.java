package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a router on Linux devices, beside the kernel. A LAN host, a router and a WAN host in network
 * namespaces this test makes (unique names, removed in {@link #removeNamespaces} even when a step fails), joined by
 * two veth pairs whose router ends are named {@code lan} and {@code wan}, as the ruleset's interfaces, so that it
 * means the same to the kernel. First {@code bin/conntrack4j router} drives the router's two devices, whose kernel has no address
 * there, IPv4 forwarding off and IPv6 disabled, with {@code tools/router/ruleset.nft} (masquerade, a forward chain
 * with policy drop, the FTP helper, a port forward); then the kernel routes the same traffic with the same ruleset.
 * Traffic: ping and ping6, a UDP request and response, 10 MiB over HTTP (curl from python's http.server, checksum
 * compared), FTP downloads in active and passive mode (lftp from vsftpd: their data connections are RELATED), and
 * an HTTP request through the port forward from the WAN. While conntrack4j routes, its table, expectations, events
 * and counters are read from outside with {@code conntrack4j ct:*}; the expectation of an FTP session held after
 * PASV, and at the end the two tables, conntrack4j's {@code ct:list} / {@code ct:expect} and the kernel's
 * {@code conntrack -L} / {@code -L expect}, agree once timeouts, ids and random ports are set aside.
 * Needs root, iproute2, nftables, conntrack, curl, python3, lftp and vsftpd (.ci/run installs them); fails, never
 * skips, without them.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LiveRouterTest {
    private static final String LAN_HOST = "192.0.2.10";
    private static final String WAN_HOST = "198.51.100.10";
    private static final String ROUTER_WAN = "198.51.100.1";
    private static final int UDP_PORT = 9000;
    private static final int BLOB_BYTES = 10 << 20;

    @TempDir
    static Path tmp;
    static Path home;
    static Path work;
    static String lan;
    static String rtr;
    static String wan;
    static String instance;
    static final List<String> NAMESPACES = new ArrayList<>();
    static final List<Process> SERVERS = new ArrayList<>();
    static String blobSha;

    @BeforeAll
    static void setUp() throws Exception {
        home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        // readable by vsftpd's unprivileged user: the FTP root lives here
        work = Files.createDirectory(tmp.resolve("work"));
        for (Path p = work; p != null && p.startsWith(tmp); p = p.getParent()) {
            p.toFile().setReadable(true, false);
            p.toFile().setExecutable(true, false);
        }
        String tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(
            0x1000, 0x10000));
        lan = "ct4j-live-lan-" + tag;
        rtr = "ct4j-live-rtr-" + tag;
        wan = "ct4j-live-wan-" + tag;
        instance = "live-" + tag;
        for (String ns : List.of(lan, rtr, wan)) {
            sh("ip", "netns", "add", ns);
            NAMESPACES.add(ns);
            in(ns, "ip", "link", "set", "lo", "up");
        }
        in(rtr, "ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan0", "netns", lan);
        in(rtr, "ip", "link", "add", "wan", "type", "veth", "peer", "name", "wan0", "netns", wan);
        host(lan, "lan0", LAN_HOST + "/24", "2001:db8:1::10/64", "192.0.2.1", "2001:db8:1::1");
        host(wan, "wan0", WAN_HOST + "/24", "2001:db8:2::10/64", null, null);
        servers();
    }

    private static void host(String ns, String dev, String v4, String v6, String gw4, String gw6) {
        in(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf." + dev + ".accept_dad=0");
        in(ns, "ip", "addr", "add", v4, "dev", dev);
        in(ns, "ip", "-6", "addr", "add", v6, "dev", dev, "nodad");
        in(ns, "ip", "link", "set", dev, "up");
        if (gw4 != null) {
            in(ns, "ip", "route", "add", "default", "via", gw4);
            in(ns, "ip", "-6", "route", "add", "default", "via", gw6);
        }
    }

    /** HTTP on both hosts (the LAN one behind the port forward), FTP and a UDP echo on the WAN host. */
    private static void servers() throws Exception {
        Path www = Files.createDirectories(work.resolve("www"));
        byte[] blob = new byte[BLOB_BYTES];
        new Random(12).nextBytes(blob);
        Files.write(www.resolve("blob"), blob);
        blobSha = sha256(blob);
        Files.writeString(www.resolve("hello.txt"), "hello from the LAN host\n");
        Path ftp = Files.createDirectories(work.resolve("ftp"));
        Files.write(ftp.resolve("file.bin"), Arrays.copyOf(blob, 1 << 20));
        Path empty = Files.createDirectories(work.resolve("empty"));
        Path conf = work.resolve("vsftpd.conf");
        Files.writeString(conf, String.join("\n",
            "listen=YES", "listen_ipv6=NO", "listen_address=" + WAN_HOST, "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", "anon_root=" + ftp,
            "local_enable=NO", "write_enable=NO", "pasv_enable=YES", "port_enable=YES", "connect_from_port_20=YES",
            "pasv_min_port=30000", "pasv_max_port=30100", "seccomp_sandbox=NO", "secure_chroot_dir=" + empty,
            "xferlog_enable=NO", "use_localtime=NO", ""));
        SERVERS.add(start(wan, "python3", "-m", "http.server", "80", "--bind", WAN_HOST, "--directory", www.toString()));
        SERVERS.add(start(lan, "python3", "-m", "http.server", "80", "--bind", LAN_HOST, "--directory", www.toString()));
        SERVERS.add(start(wan, "vsftpd", conf.toString()));
        SERVERS.add(start(wan, "python3", "-c", String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('" + WAN_HOST + "', " + UDP_PORT + "))",
            "while True:",
            "    d, a = s.recvfrom(2048)",
            "    s.sendto(d.upper(), a)")));
        awaitListener(wan, "-t", 80);
        awaitListener(lan, "-t", 80);
        awaitListener(wan, "-t", 21);
        awaitListener(wan, "-u", UDP_PORT);
    }

    @AfterAll
    static void removeNamespaces() {
        for (Process p : SERVERS) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : NAMESPACES) {
            exec(List.of("ip", "netns", "del", ns), 30);
        }
    }

    @Test
    void conntrack4jRoutesTheTrafficAndTheKernelAgrees() throws Exception {
        // conntrack4j: the kernel's forwarding off, no address and no IPv6 of its own on the router's devices
        in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        for (String dev : List.of("lan", "wan")) {
            in(rtr, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
            in(rtr, "ip", "link", "set", dev, "up");
        }
        Path ruleset = Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft");
        Path log = work.resolve("router.log");
        Process router = new ProcessBuilder("ip", "netns", "exec", rtr, home.resolve("bin/conntrack4j").toString(),
            "router", "--instance", instance, "--iface", "lan=lan,192.0.2.1/24,2001:db8:1::1/64",
            "--iface", "wan=wan," + ROUTER_WAN + "/24,2001:db8:2::1/64", "--rules", ruleset.toString(),
            "--sysctl", "net.netfilter.nf_conntrack_udp_timeout=31", "--sysctl", "nf_conntrack_icmp_timeout=29")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<String> ours;
        try {
            awaitReady(router, log);
            Path sock = home.resolve("data/run/" + instance + ".sock");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(sock)), "the control socket is its owner's only");
            Process events = new ProcessBuilder(ctl("ct:events", "-o", "extended")).redirectErrorStream(true)
                .redirectOutput(work.resolve("events.txt").toFile()).start();
            try {
                traffic("conntrack4j");
                String stats = ctlOk("ct:stats", "expect");
                Matcher m = Pattern.compile("expect_create=(\\d+)").matcher(stats);
                assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 2,
                    "the FTP helper expected both data connections: " + stats);
                assertEquals("net.netfilter.nf_conntrack_udp_timeout = 31\n",
                    ctlOk("ct:sysctl", "nf_conntrack_udp_timeout"), "sysctls as Linux spells them, prefix or not");
                String routerStats = ctlOk("router:stats");
                assertTrue(routerStats.contains("forwarded "), routerStats);
                // the metrics endpoint answers while it forwards (default address, in the router's namespace)
                String metrics = in(rtr, "curl", "-sSf", "--max-time", "10", "http://127.0.0.1:9876/metrics");
                for (String series : List.of("conntrack4j_router_forwarded_total{instance=\"" + instance + "\"}",
                    "conntrack4j_interface_rx_frames_total{instance=\"" + instance + "\",interface=\"lan\"}",
                    "conntrack4j_interface_tx_frames_total{instance=\"" + instance + "\",interface=\"wan\"}",
                    "conntrack4j_connections", "conntrack4j_helper_connections{helper=\"ftp\"}")) {
                    Matcher v = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(metrics);
                    assertTrue(v.find() && Long.parseLong(v.group(1)) > 0, series + " > 0 in /metrics:\n" + metrics);
                }
            } finally {
                events.destroy();
                events.waitFor(10, TimeUnit.SECONDS);
            }
            String ev = Files.readString(work.resolve("events.txt"));
            assertTrue(ev.contains("[NEW] ipv4") && ev.contains("[NEW] ipv6") && ev.contains("dport=21")
                && ev.contains("[UPDATE]"), "events from outside:\n" + ev);
            ours = normalise(ctlOk("ct:list"));
            String v6 = ctlOk("ct:list", "-f", "ipv6");
            assertTrue(v6.contains("icmpv6") && !v6.contains("ipv4"), v6);
            router.destroy(); // SIGTERM
            assertTrue(router.waitFor(30, TimeUnit.SECONDS), "the router stops on SIGTERM");
            assertEquals(0, router.exitValue(), "exit status after SIGTERM\n" + Files.readString(log));
            assertFalse(Files.exists(sock), "the control socket goes with the router");
        } finally {
            if (router.isAlive()) {
                router.descendants().forEach(ProcessHandle::destroyForcibly);
                router.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        Dist.Result none = Dist.run(ctl("ct:list"), tmp, Dist.plainEnv(tmp), null, 30);
        none.assertStatus(1);

        // the kernel: same devices, its addresses, its forwarding, the same ruleset
        for (String dev : List.of("lan", "wan")) {
            in(rtr, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=0",
                "net.ipv6.conf." + dev + ".accept_dad=0");
        }
        in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
            "net.netfilter.nf_conntrack_udp_timeout=31", "net.netfilter.nf_conntrack_icmp_timeout=29");
        in(rtr, "ip", "addr", "add", "192.0.2.1/24", "dev", "lan");
        in(rtr, "ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "lan", "nodad");
        in(rtr, "ip", "addr", "add", ROUTER_WAN + "/24", "dev", "wan");
        in(rtr, "ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "wan", "nodad");
        in(rtr, "nft", "-f", ruleset.toString());
        // the hosts forget the neighbour entries of conntrack4j's addresses (same MACs, but new states)
        in(lan, "ip", "neigh", "flush", "dev", "lan0");
        in(wan, "ip", "neigh", "flush", "dev", "wan0");
        traffic("kernel");
        assertEquals(1, EXPECTATIONS.get("conntrack4j").size(), "ct:expect: " + EXPECTATIONS);
        assertEquals(EXPECTATIONS.get("kernel"), EXPECTATIONS.get("conntrack4j"),
            "conntrack -L expect of the kernel (expected) and ct:expect of conntrack4j (actual), normalised");
        List<String> kernel = normalise(in(rtr, "conntrack", "-L"));
        System.out.println("conntrack -L of the kernel, normalised:\n" + String.join("\n", kernel));
        String all = String.join("\n", ours);
        for (String kind : List.of("icmp ", "icmpv6 ", "dport=" + UDP_PORT, "dport=21 ", "dport=8080 ", "dport=80 ",
            "sport=20 ", "helper=ftp")) {
            assertTrue(all.contains(kind), "conntrack4j's table has " + kind + ":\n" + all);
        }
        assertEquals(String.join("\n", kernel), String.join("\n", ours),
            "conntrack -L of the kernel (expected) and ct:list of conntrack4j (actual), normalised");
    }

    /** {@code etc/org.conntrack4j.router.cfg} (Configuration Admin) starts the router under {@code conntrack4j server}. */
    @Test
    void aRouterConfiguredInEtcRunsUnderServer() throws Exception {
        Path cfg = home.resolve("etc/org.conntrack4j.router.cfg");
        String name = instance + "-cfg";
        Files.writeString(cfg, String.join("\n", "iface.lan = lan,192.0.2.1/24", "iface.wan = wan,198.51.100.1/24",
            "rules = ${conntrack4j.home}/etc/ruleset.nft", "instance = " + name, ""));
        Path log = work.resolve("server.log");
        Process server = new ProcessBuilder("ip", "netns", "exec", rtr, home.resolve("bin/conntrack4j").toString(),
            "server").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path sock = home.resolve("data/run/" + name + ".sock");
        try {
            long until = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(sock)) {
                assertTrue(server.isAlive() && System.nanoTime() < until, "no control socket:\n" + Files.readString(log));
                Thread.sleep(100);
            }
            List<String> links = List.of(Dist.run(List.of(home.resolve("bin/conntrack4j").toString(), "--instance", name,
                "router:links"), tmp, Dist.plainEnv(tmp), null, 30).out().split("\n"));
            assertEquals(2, links.size(), links.toString());
            assertTrue(links.get(0).startsWith("lan=lan,192.0.2.1/24 ") && links.get(1).startsWith("wan=wan,"),
                links.toString());
        } finally {
            Files.delete(cfg);
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.descendants().forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly();
            }
        }
        assertFalse(Files.exists(sock), "the socket goes with the server");
    }

    /** What the router command says and returns when it cannot start: 2 bad arguments, 3 a device, 4 a ruleset. */
    @Test
    void theRouterCommandExplainsWhyItCannotStart() throws IOException {
        String bin = home.resolve("bin/conntrack4j").toString();
        Path bad = Files.writeString(work.resolve("bad.nft"), "table inet x {\n\tchain y {\n\t\ttype filter hook "
            + "forward priority 0; policy accept;\n\t\tfrobnicate\n\t}\n}\n");
        Object[][] cases = {
            {List.of(bin, "router", "--iface", "lan"), 2, "--iface lan: expected NAME=DEV,ADDR/PREFIX"},
            {List.of(bin, "router", "--iface", "lan=ct4j-none0,192.0.2.1/24"), 3, "ct4j-none0: no such device"},
            {List.of(bin, "router", "--iface", "lan=lo,192.0.2.1/24", "--sysctl", "net.netfilter.nf_conntrack_bogus=1"),
                2, "--sysctl net.netfilter.nf_conntrack_bogus: unknown sysctl"},
            {List.of(bin, "router", "--iface", "lan=lo,192.0.2.1/24", "--rules", bad.toString()), 4,
                bad + ":4:3: unexpected \"frobnicate\""},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Dist.Result r = Dist.run((List<String>) c[0], tmp, Dist.plainEnv(tmp), null, 60);
            r.assertStatus((int) c[1]);
            assertTrue(r.err().startsWith("conntrack4j router: " + c[2]), r.err());
            assertEquals("", r.out());
        }
    }

    /**
     * The same traffic through whichever router runs: long transfers first, the short-lived entries (UDP, ICMP)
     * last, so that none has timed out when the tables are compared.
     */
    private static void traffic(String who) throws Exception {
        // FTP through the helper: the data connections are RELATED (the forward chain drops anything else from WAN)
        for (String mode : List.of("off", "on")) {
            Path got = work.resolve("ftp-" + who + "-" + mode);
            in(lan, "lftp", "-c", "set net:timeout 10; set net:max-retries 1; set ftp:passive-mode " + mode
                + "; set ftp:prefer-epsv no; open ftp://anonymous:@" + WAN_HOST + "; get file.bin -o " + got);
            assertEquals(sha256(Arrays.copyOf(Files.readAllBytes(work.resolve("www/blob")), 1 << 20)),
                sha256(Files.readAllBytes(got)), who + ": FTP passive-mode " + mode);
        }
        // an expectation read from outside while its FTP session waits: PASV answered, no data connection yet
        Path heldOut = work.resolve("ftp-held-" + who + ".txt");
        Process held = new ProcessBuilder("ip", "netns", "exec", lan, "python3", "-c", FTP_PASV_HELD, WAN_HOST, "3")
            .redirectErrorStream(true).redirectOutput(heldOut.toFile()).start();
        try {
            long until = System.nanoTime() + 20_000_000_000L;
            while (!Files.readString(heldOut).contains("227 ")) {
                assertTrue(held.isAlive() && System.nanoTime() < until, "FTP PASV: " + Files.readString(heldOut));
                Thread.sleep(20);
            }
            String x = who.equals("kernel") ? in(rtr, "conntrack", "-L", "expect") : ctlOk("ct:expect");
            EXPECTATIONS.put(who, normaliseExpectations(x));
            assertTrue(held.waitFor(30, TimeUnit.SECONDS), "the held FTP session ends");
        } finally {
            held.destroyForcibly();
        }
        Path blob = work.resolve("blob-" + who);
        in(lan, "curl", "-sS", "--max-time", "120", "-o", blob.toString(), "http://" + WAN_HOST + "/blob");
        assertEquals(blobSha, sha256(Files.readAllBytes(blob)), who + ": the 10 MiB download arrives whole");
        String forwarded = in(wan, "curl", "-sS", "--max-time", "20", "http://" + ROUTER_WAN + ":8080/hello.txt");
        assertEquals("hello from the LAN host\n", forwarded, who + ": the port forward");
        String udp = in(lan, "python3", "-c", String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.settimeout(5)",
            "s.sendto(b'ping over udp', ('" + WAN_HOST + "', " + UDP_PORT + "))",
            "print(s.recv(2048).decode())"));
        assertEquals("PING OVER UDP", udp.strip(), who + ": UDP request and response");
        in(lan, "ping", "-c", "2", "-i", "0.2", "-W", "3", WAN_HOST);
        in(lan, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "3", "2001:db8:2::10");
    }

    /** Logs in to the FTP server ARGV 1 anonymously, asks PASV, prints the answer, waits ARGV 2 seconds, quits. */
    private static final String FTP_PASV_HELD = String.join("\n",
        "import ftplib, sys, time",
        "f = ftplib.FTP(sys.argv[1], timeout=10)",
        "f.login()",
        "print(f.sendcmd('PASV'), flush=True)",
        "time.sleep(float(sys.argv[2]))",
        "f.quit()");

    /** Each router's expectations while the held FTP session waited, normalised. */
    static final Map<String, List<String>> EXPECTATIONS = new TreeMap<>();

    /** {@code conntrack -L expect} lines (the timeout first) as {@link #normalise} makes table lines. */
    static List<String> normaliseExpectations(String listing) {
        return normalise(listing, 0);
    }

    /**
     * Lines of {@code conntrack -L} without what differs between two runs of the same traffic: the timeout, ids,
     * use counts, the ports the clients and the router picked at random (all but 20, 21, 80, 8080 and the UDP
     * echo's), ICMP ids; sorted.
     */
    static List<String> normalise(String listing) {
        return normalise(listing, 2);
    }

    /** As {@link #normalise(String)}, the timeout being field {@code timeoutField} of each line. */
    private static List<String> normalise(String listing, int timeoutField) {
        List<String> out = new ArrayList<>();
        for (String line : listing.split("\n")) {
            if (line.isBlank() || line.startsWith("conntrack v")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < f.length; i++) {
                String w = f[i];
                if (i == timeoutField || w.startsWith("use=") || w.startsWith("id=")) {
                    continue;
                }
                Matcher port = Pattern.compile("(sport|dport)=(\\d+)").matcher(w);
                if (port.matches() && !List.of("20", "21", "80", "8080", String.valueOf(UDP_PORT))
                    .contains(port.group(2))) {
                    w = port.group(1) + "=*";
                }
                b.append(b.length() == 0 ? "" : " ").append(w);
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    private static List<String> ctl(String... args) {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString(), "--instance", instance));
        c.addAll(List.of(args));
        return c;
    }

    /**
     * A control command from outside the namespaces. It boots no framework, so it answers well within the 5 s that
     * booting one takes on a loaded machine (a one-second bound failed twice at load average 15-17).
     */
    private static String ctlOk(String... args) {
        long t0 = System.nanoTime();
        Dist.Result r = Dist.run(ctl(args), tmp, Dist.plainEnv(tmp), null, 30);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        r.assertStatus(0);
        assertTrue(millis < 5000, String.join(" ", args) + " took " + millis + " ms");
        return r.out();
    }

    private static void awaitReady(Process router, Path log) throws Exception {
        long until = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < until) {
            String text = Files.readString(log);
            if (text.contains("conntrack4j router ready")) {
                return;
            }
            if (!router.isAlive()) {
                throw new AssertionError("the router ended (" + router.exitValue() + "):\n" + text);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the router was not ready within 60 s:\n" + Files.readString(log));
    }

    private static void awaitListener(String ns, String proto, int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (!in(ns, "ss", "-Hln", proto, "sport = :" + port).isBlank()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on " + proto + " port " + port + " in " + ns);
    }

    private static Process start(String ns, String... cmd) throws IOException {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return new ProcessBuilder(l).redirectErrorStream(true)
            .redirectOutput(work.resolve("server-" + SERVERS.size() + ".log").toFile()).start();
    }

    static String in(String ns, String... cmd) {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return sh(l.toArray(String[]::new));
    }

    static String sh(String... cmd) {
        Object[] r = exec(List.of(cmd), 120);
        if ((int) r[0] != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r[0] + ": " + ((String) r[1]).strip());
        }
        return (String) r[1];
    }

    private static Object[] exec(List<String> cmd, int seconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Dist.Drain out = new Dist.Drain(p.getInputStream());
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Object[] {-1, String.join(" ", cmd) + ": no answer in " + seconds + " s\n" + out.text()};
            }
            return new Object[] {p.exitValue(), out.text()};
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
