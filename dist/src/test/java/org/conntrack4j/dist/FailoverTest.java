package org.conntrack4j.dist;

import static org.conntrack4j.dist.LiveRouterTest.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover with live traffic (issue 15, item 4): router A forwards a slow HTTP download (the server paces it) and an
 * FTP download (vsftpd paces it; passive, its data connection RELATED to the control connection) while it replicates
 * to B, the distribution's live router, a standby whose data links are down, with {@code nf_conntrack_tcp_loose=0}
 * and a forward policy of drop except established and related (tools/router/ruleset.nft on both), so that B can
 * forward the transfers' replies only if it got their connections by sync. A stops (links down, its processes
 * gone); B commits, its links come up with A's addresses (it announces them: gratuitous ARP), and both transfers
 * complete with their checksums, the FTP data connection the one A had. A is the kernel with conntrackd, or another
 * live router. Both routers hang on the same two bridges (a LAN and a WAN segment) in a switch namespace; each run
 * makes its namespaces and removes them even when a step fails. Needs root, conntrackd, nft, curl, lftp, vsftpd,
 * python3.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FailoverTest {
    private static final String LAN_HOST = "192.0.2.10";
    private static final String WAN_HOST = "198.51.100.10";
    private static final int BLOB = 3 << 20;
    private static final int FTP_FILE = 1 << 20;
    private static final Pattern DATA_PORT = Pattern.compile("dport=30[01][0-9][0-9] ");

    @TempDir
    static Path tmp;
    static Path homeA;
    static Path homeB;
    static byte[] blob;

    @BeforeAll
    static void unpack() throws Exception {
        // two installations: each router has its own framework storage
        homeA = Dist.unpack(Files.createDirectory(tmp.resolve("opt-a")));
        homeB = Dist.unpack(Files.createDirectory(tmp.resolve("opt-b")));
        blob = new byte[BLOB];
        new Random(15).nextBytes(blob);
        for (Path p = tmp; p != null && p.getParent() != null; p = p.getParent()) {
            // vsftpd's unprivileged user reads the FTP root below
            p.toFile().setReadable(true, false);
            p.toFile().setExecutable(true, false);
        }
    }

    @Test
    void aKernelRouterWithConntrackdFailsOverToConntrack4j() throws Exception {
        failover(true);
    }

    @Test
    void aConntrack4jRouterFailsOverToAnother() throws Exception {
        failover(false);
    }

    private static void failover(boolean kernelA) throws Exception {
        Path work = Files.createDirectory(tmp.resolve(kernelA ? "kernel" : "conntrack4j"));
        work.toFile().setReadable(true, false);
        work.toFile().setExecutable(true, false);
        try (SyncLab lab = new SyncLab(work, "ct4j-fo")) {
            run(lab, work, kernelA);
        }
    }

    private static void run(SyncLab lab, Path work, boolean kernelA) throws Exception {
        String sw = lab.ns("sw");
        String lan = lab.ns("lan");
        String wan = lab.ns("wan");
        String a = lab.ns("a");
        String b = lab.ns("b");
        for (String br : List.of("brl", "brw")) {
            in(sw, "ip", "link", "add", br, "type", "bridge");
            in(sw, "ip", "link", "set", br, "up");
        }
        port(sw, "brl", "pl0", lan, "lan0");
        port(sw, "brl", "pl1", a, "lan");
        port(sw, "brl", "pl2", b, "lan");
        port(sw, "brw", "pw0", wan, "wan0");
        port(sw, "brw", "pw1", a, "wan");
        port(sw, "brw", "pw2", b, "wan");
        in(lan, "ip", "addr", "add", LAN_HOST + "/24", "dev", "lan0");
        in(lan, "ip", "link", "set", "lan0", "up");
        in(lan, "ip", "route", "add", "default", "via", "192.0.2.1");
        in(wan, "ip", "addr", "add", WAN_HOST + "/24", "dev", "wan0");
        in(wan, "ip", "link", "set", "wan0", "up");
        lab.syncLink(a, b);
        servers(lab, work, wan);

        Path ruleset = Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft");
        String instanceA = "fo-a-" + lab.tag;
        String instanceB = "fo-b-" + lab.tag;
        Process routerA = null;
        if (kernelA) {
            in(a, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            in(a, "ip", "addr", "add", "192.0.2.1/24", "dev", "lan");
            in(a, "ip", "addr", "add", "198.51.100.1/24", "dev", "wan");
            in(a, "ip", "link", "set", "lan", "up");
            in(a, "ip", "link", "set", "wan", "up");
            in(a, "nft", "-f", ruleset.toString());
            in(a, "conntrackd", "-C", lab.conf("a", 1).toString(), "-d");
        } else {
            kernelOff(a);
            in(a, "ip", "link", "set", "lan", "up");
            in(a, "ip", "link", "set", "wan", "up");
            routerA = lab.router(homeA, a, work.resolve("router-a.log"), "--instance", instanceA, "--iface",
                "lan=lan,192.0.2.1/24", "--iface", "wan=wan,198.51.100.1/24", "--rules", ruleset.toString(), "--sync",
                lab.conf("a", 1).toString());
        }
        // B: the kernel stays out of its data links, which are down
        kernelOff(b);
        lab.router(homeB, b, work.resolve("router-b.log"), "--instance", instanceB, "--iface", "lan=lan,192.0.2.1/24",
            "--iface", "wan=wan,198.51.100.1/24", "--rules", ruleset.toString(), "--sysctl",
            "net.netfilter.nf_conntrack_tcp_loose=0", "--sync", lab.conf("b", 2).toString());

        // the transfers through A
        Path got = work.resolve("blob.got");
        Path ftpGot = work.resolve("ftp.got");
        Path httpLog = work.resolve("curl.log");
        Path ftpLog = work.resolve("lftp.log");
        Process http = lab.start(lan, httpLog, "curl", "-sS", "--max-time", "120", "-o", got.toString(),
            "http://" + WAN_HOST + "/blob");
        Process ftp = lab.start(lan, ftpLog, "lftp", "-c", "set net:timeout 30; set net:max-retries 1;"
            + " set ftp:passive-mode on; set ftp:prefer-epsv no; open ftp://anonymous:@" + WAN_HOST + "; get file.bin -o "
            + ftpGot);
        // both under way on A, and in B's external cache: the HTTP connection, the FTP control and data connections
        String ext = "";
        long until = System.nanoTime() + 30_000_000_000L;
        while (!(ext.contains("dport=80 ") && ext.contains("dport=21 ") && DATA_PORT.matcher(ext).find())) {
            assertTrue(System.nanoTime() < until, "B's external cache:\n" + ext);
            Thread.sleep(200);
            ext = lab.ctl(homeB, instanceB, "sync:external");
        }
        Matcher data = Pattern.compile("sport=(\\d+) dport=(30[01][0-9][0-9]) ").matcher(ext);
        assertTrue(data.find(), ext);
        String dataConn = "sport=" + data.group(1) + " dport=" + data.group(2) + " ";
        Thread.sleep(1000);
        assertTrue(http.isAlive() && ftp.isAlive(), "the transfers still run at failover: curl "
            + (http.isAlive() ? "runs" : "ended " + http.exitValue() + " " + Files.readString(httpLog)) + ", lftp "
            + (ftp.isAlive() ? "runs" : "ended " + ftp.exitValue() + " " + Files.readString(ftpLog)));

        // A stops
        if (routerA != null) {
            routerA.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        lab.killAllIn(a);
        in(a, "ip", "link", "set", "lan", "down");
        in(a, "ip", "link", "set", "wan", "down");
        // B commits, then its links come up with A's addresses
        String commit = lab.ctl(homeB, instanceB, "sync:commit");
        Matcher m = Pattern.compile("committed (\\d+) connections, 0 failed").matcher(commit);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 3, commit);
        in(b, "ip", "link", "set", "lan", "up");
        in(b, "ip", "link", "set", "wan", "up");

        String why = "B's table:\n" + lab.ctl(homeB, instanceB, "ct:list");
        assertTrue(http.waitFor(120, TimeUnit.SECONDS), "the HTTP download ends; " + why);
        assertTrue(ftp.waitFor(120, TimeUnit.SECONDS), "the FTP download ends; " + why);
        assertEquals(0, http.exitValue(), "curl: " + Files.readString(httpLog) + why);
        assertEquals(0, ftp.exitValue(), "lftp: " + Files.readString(ftpLog) + why);
        assertEquals(LiveRouterTest.sha256(blob), LiveRouterTest.sha256(Files.readAllBytes(got)),
            "the HTTP download completes whole through B");
        assertEquals(LiveRouterTest.sha256(Arrays.copyOf(blob, FTP_FILE)),
            LiveRouterTest.sha256(Files.readAllBytes(ftpGot)), "the FTP data connection completes whole through B");
        String stats = lab.ctl(homeB, instanceB, "router:stats");
        Matcher f = Pattern.compile("forwarded[ =](\\d+)").matcher(stats);
        assertTrue(f.find() && Integer.parseInt(f.group(1)) > 100, "B forwarded the rest: " + stats);
        String table = lab.ctl(homeB, instanceB, "ct:list");
        assertTrue(table.contains("dport=80 ") && table.contains("helper=ftp"), table);
        // the data connection that finished is the one A had: no other was opened through B
        List<String> dataLines = table.lines().filter(l -> DATA_PORT.matcher(l).find()).toList();
        assertEquals(1, dataLines.size(), table);
        assertTrue(dataLines.get(0).contains(dataConn), dataConn + " in\n" + table);
        assertTrue(lab.ctl(homeB, instanceB, "ct:stats", "invalid").lines()
            .noneMatch(l -> l.startsWith("invalid reason=\"SEQ")), "no segment out of the window");
    }

    /** The kernel of a conntrack4j router's namespace stays out: no forwarding, no IPv6 on its data links. */
    private static void kernelOff(String ns) {
        in(ns, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        for (String dev : List.of("lan", "wan")) {
            in(ns, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
        }
    }

    /** A bridge port in the switch whose other end is {@code dev} in {@code ns}. */
    private static void port(String sw, String bridge, String port, String ns, String dev) {
        in(sw, "ip", "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns);
        in(sw, "ip", "link", "set", port, "master", bridge);
        in(sw, "ip", "link", "set", port, "up");
    }

    private static void servers(SyncLab lab, Path work, String wan) throws Exception {
        Path www = Files.createDirectories(work.resolve("www"));
        Files.write(www.resolve("blob"), blob);
        Path ftp = Files.createDirectories(work.resolve("ftp"));
        Files.write(ftp.resolve("file.bin"), Arrays.copyOf(blob, FTP_FILE));
        Path empty = Files.createDirectories(work.resolve("empty"));
        for (Path p : List.of(www, ftp, empty)) {
            p.toFile().setReadable(true, false);
            p.toFile().setExecutable(true, false);
        }
        ftp.resolve("file.bin").toFile().setReadable(true, false);
        Path conf = work.resolve("vsftpd.conf");
        Files.writeString(conf, String.join("\n",
            "listen=YES", "listen_ipv6=NO", "listen_address=" + WAN_HOST, "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", "anon_root=" + ftp,
            "local_enable=NO", "write_enable=NO", "pasv_enable=YES", "port_enable=YES",
            "pasv_min_port=30000", "pasv_max_port=30100", "seccomp_sandbox=NO", "secure_chroot_dir=" + empty,
            "xferlog_enable=NO", "use_localtime=NO", "anon_max_rate=100000", ""));
        // an HTTP server that paces itself (a client's rate limit would leave the data in its socket buffer, the
        // connection done long before the download)
        lab.start(wan, work.resolve("http.log"), "python3", "-c", String.join("\n",
            "import socket, threading, time",
            "blob = open('" + www.resolve("blob") + "', 'rb').read()",
            "def serve(c):",
            "    c.recv(4096)",
            "    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(blob))",
            "    for i in range(0, len(blob), 16384):",
            "        c.sendall(blob[i:i + 16384])",
            "        time.sleep(0.05)",
            "    c.close()",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('" + WAN_HOST + "', 80))",
            "s.listen(4)",
            "while True:",
            "    c, a = s.accept()",
            "    threading.Thread(target=serve, args=(c,), daemon=True).start()"));
        lab.start(wan, work.resolve("vsftpd.log"), "vsftpd", conf.toString());
        for (int port : new int[] {80, 21}) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (in(wan, "ss", "-Hlnt", "sport = :" + port).isBlank()) {
                assertTrue(System.nanoTime() < until, "nothing listens on " + port);
                Thread.sleep(50);
            }
        }
    }
}
