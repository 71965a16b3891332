package org.conntrack4j.dist;

import static org.conntrack4j.dist.LiveRouterTest.in;
import static org.conntrack4j.dist.LiveRouterTest.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
 * Failover with live traffic (issue 15, item 4): router A, the kernel with conntrackd, forwards a slow HTTP
 * download (the server paces it) and an FTP download (vsftpd paces it; passive, its data connection RELATED to the control connection) while it replicates to
 * B, the distribution's live router, a standby whose data links are down, with {@code nf_conntrack_tcp_loose=0} and a
 * forward policy of drop except established and related (tools/router/ruleset.nft on both), so that B can forward
 * the transfers' replies only if it got their connections by sync. A stops (links down, conntrackd gone); B commits,
 * its links come up with A's addresses (it announces them: gratuitous ARP), and both transfers complete with their
 * checksums. Both routers hang on the same two bridges (a LAN and a WAN segment) in a switch namespace; namespaces
 * are unique and removed even when a step fails. Needs root, conntrackd, nft, curl, lftp, vsftpd, python3.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FailoverTest {
    private static final String LAN_HOST = "192.0.2.10";
    private static final String WAN_HOST = "198.51.100.10";
    private static final int BLOB = 3 << 20;
    private static final int FTP_FILE = 1 << 20;

    @TempDir
    static Path tmp;
    static Path home;
    static String tag;
    static String instance;
    static final List<String> NAMESPACES = new ArrayList<>();
    static final List<Process> PROCESSES = new ArrayList<>();
    static String sw;
    static String lan;
    static String wan;
    static String a;
    static String b;
    static byte[] blob;

    private static final String CONF = """
        Sync {
            Mode FTFW {
            }
            UDP {
                IPv4_address SELF
                IPv4_Destination_Address PEER
                Port 3780
                Interface sync0
            }
            Options {
                ExpectationSync On
            }
        }
        General {
            HashSize 8192
            LockFile DIR/lock
            LogFile DIR/log
            Syslog off
            UNIX {
                Path DIR/sock
            }
            Filter From Userspace {
                Address Ignore {
                    IPv4_address 127.0.0.1
                    IPv4_address 203.0.113.0/30
                }
            }
        }
        """;

    @BeforeAll
    static void setUp() throws Exception {
        home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        for (Path p = tmp; p != null; p = p.getParent()) {
            // vsftpd's unprivileged user reads the FTP root below
            p.toFile().setReadable(true, false);
            p.toFile().setExecutable(true, false);
            if (p.equals(tmp.getRoot())) {
                break;
            }
        }
        tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000,
            0x10000));
        instance = "failover-" + tag;
        sw = ns("sw");
        lan = ns("lan");
        wan = ns("wan");
        a = ns("a");
        b = ns("b");
        for (String br : List.of("brl", "brw")) {
            in(sw, "ip", "link", "add", br, "type", "bridge");
            in(sw, "ip", "link", "set", br, "up");
        }
        port("brl", "pl0", lan, "lan0");
        port("brl", "pl1", a, "lan");
        port("brl", "pl2", b, "lan");
        port("brw", "pw0", wan, "wan0");
        port("brw", "pw1", a, "wan");
        port("brw", "pw2", b, "wan");
        in(lan, "ip", "addr", "add", LAN_HOST + "/24", "dev", "lan0");
        in(lan, "ip", "link", "set", "lan0", "up");
        in(lan, "ip", "route", "add", "default", "via", "192.0.2.1");
        in(wan, "ip", "addr", "add", WAN_HOST + "/24", "dev", "wan0");
        in(wan, "ip", "link", "set", "wan0", "up");
        // the sync link
        in(a, "ip", "link", "add", "sync0", "type", "veth", "peer", "name", "sync0", "netns", b);
        in(a, "ip", "addr", "add", "203.0.113.1/30", "dev", "sync0");
        in(b, "ip", "addr", "add", "203.0.113.2/30", "dev", "sync0");
        in(a, "ip", "link", "set", "sync0", "up");
        in(b, "ip", "link", "set", "sync0", "up");
        // A: the kernel routes
        in(a, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        in(a, "ip", "addr", "add", "192.0.2.1/24", "dev", "lan");
        in(a, "ip", "addr", "add", "198.51.100.1/24", "dev", "wan");
        in(a, "ip", "link", "set", "lan", "up");
        in(a, "ip", "link", "set", "wan", "up");
        in(a, "nft", "-f", Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft").toString());
        // B: the kernel stays out of its data links, which are down
        in(b, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        for (String dev : List.of("lan", "wan")) {
            in(b, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
        }
        servers();
    }

    private static String ns(String role) {
        String n = "ct4j-fo-" + role + "-" + tag;
        sh("ip", "netns", "add", n);
        NAMESPACES.add(n);
        in(n, "ip", "link", "set", "lo", "up");
        return n;
    }

    /** A bridge port in the switch whose other end is {@code dev} in {@code ns}. */
    private static void port(String bridge, String port, String ns, String dev) {
        in(sw, "ip", "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns);
        in(sw, "ip", "link", "set", port, "master", bridge);
        in(sw, "ip", "link", "set", port, "up");
    }

    private static void servers() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        blob = new byte[BLOB];
        new Random(15).nextBytes(blob);
        Files.write(www.resolve("blob"), blob);
        Path ftp = Files.createDirectories(tmp.resolve("ftp"));
        Files.write(ftp.resolve("file.bin"), Arrays.copyOf(blob, FTP_FILE));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path conf = tmp.resolve("vsftpd.conf");
        Files.writeString(conf, String.join("\n",
            "listen=YES", "listen_ipv6=NO", "listen_address=" + WAN_HOST, "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", "anon_root=" + ftp,
            "local_enable=NO", "write_enable=NO", "pasv_enable=YES", "port_enable=YES",
            "pasv_min_port=30000", "pasv_max_port=30100", "seccomp_sandbox=NO", "secure_chroot_dir=" + empty,
            "xferlog_enable=NO", "use_localtime=NO", "anon_max_rate=100000", ""));
        // an HTTP server that sends slowly itself (a client's rate limit would leave the data in its socket buffer,
        // the connection done long before the download)
        PROCESSES.add(start(wan, "python3", "-c", String.join("\n",
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
            "    threading.Thread(target=serve, args=(c,), daemon=True).start()")));
        PROCESSES.add(start(wan, "vsftpd", conf.toString()));
        for (int port : new int[] {80, 21}) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (in(wan, "ss", "-Hlnt", "sport = :" + port).isBlank()) {
                assertTrue(System.nanoTime() < until, "nothing listens on " + port);
                Thread.sleep(50);
            }
        }
    }

    private static Process start(String ns, String... cmd) throws java.io.IOException {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return new ProcessBuilder(l).redirectErrorStream(true)
            .redirectOutput(tmp.resolve("proc-" + PROCESSES.size() + ".log").toFile()).start();
    }

    private static void killAllIn(String ns) {
        try {
            for (String pid : sh("ip", "netns", "pids", ns).strip().split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (AssertionError e) {
            // gone already
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Process p : PROCESSES) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String n : NAMESPACES) {
            killAllIn(n);
            new ProcessBuilder("ip", "netns", "del", n).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String ctl(String... args) {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString(), "--instance", instance));
        c.addAll(List.of(args));
        Dist.Result r = Dist.run(c, tmp, Dist.plainEnv(tmp), null, 30);
        r.assertStatus(0);
        return r.out();
    }

    /** What B holds and the hosts see, for a failure message. */
    private static String diagnosis() {
        return "B ct:list:\n" + ctl("ct:list") + "\nB ct:stats invalid:\n" + ctl("ct:stats", "invalid")
            + "\nB router:stats:\n" + ctl("router:stats") + "\nlan neigh: " + in(lan, "ip", "neigh") + "\nwan neigh: "
            + in(wan, "ip", "neigh") + "\nlan ss: " + in(lan, "ss", "-tni");
    }

    @Test
    void aKernelRoutersConnectionsGoOnThroughConntrack4jAfterFailover() throws Exception {
        Path adir = Files.createDirectories(tmp.resolve("a"));
        Path aconf = adir.resolve("conntrackd.conf");
        Files.writeString(aconf, CONF.replace("SELF", "203.0.113.1").replace("PEER", "203.0.113.2")
            .replace("DIR", adir.toString()));
        Path bdir = Files.createDirectories(tmp.resolve("b"));
        Path bconf = bdir.resolve("conntrackd.conf");
        Files.writeString(bconf, CONF.replace("SELF", "203.0.113.2").replace("PEER", "203.0.113.1")
            .replace("DIR", bdir.toString()));
        in(a, "conntrackd", "-C", aconf.toString(), "-d");
        Path log = tmp.resolve("router-b.log");
        Process router = new ProcessBuilder("ip", "netns", "exec", b, home.resolve("bin/conntrack4j").toString(),
            "router", "--instance", instance, "--iface", "lan=lan,192.0.2.1/24", "--iface", "wan=wan,198.51.100.1/24",
            "--rules", Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft").toString(),
            "--sysctl", "net.netfilter.nf_conntrack_tcp_loose=0", "--sync", bconf.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PROCESSES.add(router);
        long until = System.nanoTime() + 60_000_000_000L;
        while (!Files.readString(log).contains("conntrack4j router ready")) {
            assertTrue(router.isAlive() && System.nanoTime() < until, "router B:\n" + Files.readString(log));
            Thread.sleep(100);
        }

        // the transfers through A, slow enough to be cut in the middle
        Path got = tmp.resolve("blob.got");
        Path ftpGot = tmp.resolve("ftp.got");
        Path httpLog = tmp.resolve("proc-" + PROCESSES.size() + ".log");
        Process http = start(lan, "curl", "-sS", "--max-time", "120", "-o", got.toString(),
            "http://" + WAN_HOST + "/blob");
        PROCESSES.add(http);
        Path ftpLog = tmp.resolve("proc-" + PROCESSES.size() + ".log");
        Process ftp = start(lan, "lftp", "-c", "set net:timeout 30; set net:max-retries 1;"
            + " set ftp:passive-mode on; set ftp:prefer-epsv no; open ftp://anonymous:@" + WAN_HOST + "; get file.bin -o "
            + ftpGot);
        PROCESSES.add(ftp);
        // both under way on A, and in B's external cache: the HTTP connection and the FTP data connection
        String ext = "";
        until = System.nanoTime() + 30_000_000_000L;
        while (!(ext.contains("dport=80 ") && ext.contains("dport=21 ") && Pattern.compile("dport=30[01][0-9][0-9] ")
            .matcher(ext).find())) {
            assertTrue(System.nanoTime() < until, "B's external cache:\n" + ext + "\nA's table:\n"
                + in(a, "conntrack", "-L"));
            Thread.sleep(200);
            ext = ctl("sync:external");
        }
        Matcher data = Pattern.compile("sport=(\\d+) dport=(30[01][0-9][0-9]) ").matcher(ext);
        assertTrue(data.find(), ext);
        String dataConn = "sport=" + data.group(1) + " dport=" + data.group(2) + " ";
        Thread.sleep(1000);
        assertTrue(http.isAlive() && ftp.isAlive(), "the transfers are still running at failover: curl "
            + (http.isAlive() ? "runs" : "ended " + http.exitValue() + " " + Files.readString(httpLog)) + ", lftp "
            + (ftp.isAlive() ? "runs" : "ended " + ftp.exitValue() + " " + Files.readString(ftpLog)));

        // A stops
        killAllIn(a);
        in(a, "ip", "link", "set", "lan", "down");
        in(a, "ip", "link", "set", "wan", "down");
        // B commits, then its links come up with A's addresses
        String commit = ctl("sync:commit");
        Matcher m = Pattern.compile("committed (\\d+) connections, 0 failed").matcher(commit);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 3, commit);
        in(b, "ip", "link", "set", "lan", "up");
        in(b, "ip", "link", "set", "wan", "up");

        assertTrue(http.waitFor(120, TimeUnit.SECONDS), FailoverTest::diagnosis);
        assertTrue(ftp.waitFor(120, TimeUnit.SECONDS), FailoverTest::diagnosis);
        assertEquals(0, http.exitValue(), "curl: " + Files.readString(httpLog));
        assertEquals(0, ftp.exitValue(), "lftp: " + Files.readString(ftpLog));
        assertEquals(LiveRouterTest.sha256(blob), LiveRouterTest.sha256(Files.readAllBytes(got)),
            "the HTTP download completes whole through B");
        assertEquals(LiveRouterTest.sha256(Arrays.copyOf(blob, FTP_FILE)),
            LiveRouterTest.sha256(Files.readAllBytes(ftpGot)), "the FTP data connection completes whole through B");
        String stats = ctl("router:stats");
        Matcher f = Pattern.compile("forwarded[ =](\\d+)").matcher(stats);
        assertTrue(f.find() && Integer.parseInt(f.group(1)) > 100, "B forwarded the rest: " + stats);
        String table = ctl("ct:list");
        assertTrue(table.contains("dport=80 ") && table.contains("helper=ftp"), table);
        // the data connection that finished is the one A had: no other was opened through B
        List<String> dataLines = table.lines().filter(l -> Pattern.compile("dport=30[01][0-9][0-9] ").matcher(l).find())
            .toList();
        assertEquals(1, dataLines.size(), table);
        assertTrue(dataLines.get(0).contains(dataConn), dataConn + " in\n" + table);
        assertTrue(ctl("ct:stats", "invalid").lines().noneMatch(l -> l.startsWith("invalid reason=\"SEQ")),
            "no segment out of the window");

        router.destroy();
        assertTrue(router.waitFor(30, TimeUnit.SECONDS), "router B stops on SIGTERM");
    }
}
