package org.conntrack4j.dist;

import static org.conntrack4j.dist.LiveRouterTest.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * State sync between the distribution's live router and a real conntrackd (conntrack-tools 1.4.7) on a kernel router,
 * both ways, over a dedicated veth link. Two routers with the same addresses, each with a LAN and a
 * WAN host of its own, as the two members of an HA pair: {@code rtr} runs {@code conntrack4j router --sync}, {@code krt}
 * is the kernel with {@code tools/router/ruleset.nft} (masquerade) and conntrackd. A TCP connection held open through
 * each router:
 * <ul>
 * <li>the kernel's reaches our external cache ({@code sync:external}, ESTABLISHED, ASSURED), and after
 * {@code sync:commit} our table holds it with the kernel's masquerade binding;</li>
 * <li>ours reaches conntrackd's external cache ({@code conntrackd -e}), and after {@code conntrackd -c} the kernel's
 * table holds it ESTABLISHED with our binding.</li>
 * </ul>
 * Twice: FTFW over UDP on the link's IPv4 addresses, and NOTRACK over UDP on its IPv6 ones (the second
 * configuration, which the other live tests do not use). Namespaces are unique and removed even when a step fails;
 * needs root, conntrackd, conntrack, nft, python3.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncLiveTest {
    @TempDir
    static Path tmp;
    static Path home;
    static SyncLab lab;
    static String instance;
    static String lan;
    static String rtr;
    static String wan;
    static String klan;
    static String krt;
    static String kwan;

    @BeforeAll
    static void setUp() throws Exception {
        home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        lab = new SyncLab(tmp, "ct4j-sync");
        instance = "sync-" + lab.tag;
        lan = lab.ns("lan");
        rtr = lab.ns("rtr");
        wan = lab.ns("wan");
        klan = lab.ns("klan");
        krt = lab.ns("krt");
        kwan = lab.ns("kwan");
        for (String[] r : new String[][] {{rtr, lan, wan}, {krt, klan, kwan}}) {
            in(r[0], "ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan0", "netns", r[1]);
            in(r[0], "ip", "link", "add", "wan", "type", "veth", "peer", "name", "wan0", "netns", r[2]);
            host(r[1], "lan0", "192.0.2." + (r[0].equals(rtr) ? 10 : 20) + "/24", "192.0.2.1");
            host(r[2], "wan0", "198.51.100." + (r[0].equals(rtr) ? 10 : 20) + "/24", null);
        }
        lab.syncLink(krt, rtr);
        // the kernel router
        in(krt, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        in(krt, "ip", "addr", "add", "192.0.2.1/24", "dev", "lan");
        in(krt, "ip", "addr", "add", "198.51.100.1/24", "dev", "wan");
        in(krt, "ip", "link", "set", "lan", "up");
        in(krt, "ip", "link", "set", "wan", "up");
        in(krt, "nft", "-f", Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft").toString());
        // conntrack4j's devices: up, no address or forwarding of the kernel's
        in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        for (String dev : List.of("lan", "wan")) {
            in(rtr, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
            in(rtr, "ip", "link", "set", dev, "up");
        }
        // servers that accept and hold TCP connections
        for (String w : List.of(wan, kwan)) {
            String addr = w.equals(wan) ? "198.51.100.10" : "198.51.100.20";
            lab.start(w, tmp.resolve("server-" + addr + ".log"), "python3", "-c", String.join("\n",
                "import socket",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('" + addr + "', 7000))",
                "s.listen(8)",
                "held = []",
                "while True:",
                "    c, a = s.accept()",
                "    c.sendall(b'hello\\n')",
                "    held.append(c)"));
        }
    }

    private static void host(String ns, String dev, String v4, String gw) {
        in(ns, "ip", "addr", "add", v4, "dev", dev);
        in(ns, "ip", "link", "set", dev, "up");
        in(ns, "ip", "route", "add", "default", "via", gw == null ? "198.51.100.1" : gw);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static String await(String what, Supplier<String> probe, String... needles) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        String last = "";
        while (System.nanoTime() < until) {
            last = probe.get();
            for (String line : last.split("\n")) {
                boolean all = true;
                for (String n : needles) {
                    all &= line.contains(n);
                }
                if (all) {
                    return line;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": no line with " + List.of(needles) + " within 30 s:\n" + last);
    }

    /** A client in {@code ns} that connects to {@code server}:7000 and holds the connection; its source port. */
    private static int hold(String ns, String server) throws Exception {
        Path out = tmp.resolve("client-" + ns + ".txt");
        Process p = lab.start(ns, out, "python3", "-u", "-c", String.join("\n",
            "import socket, time",
            "c = socket.create_connection(('" + server + "', 7000), timeout=10)",
            "c.recv(16)",
            "print(c.getsockname()[1], flush=True)",
            "time.sleep(200)"));
        long until = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < until) {
            String s = Files.readString(out).strip();
            if (!s.isEmpty()) {
                return Integer.parseInt(s.split("\\s+")[0]);
            }
            assertTrue(p.isAlive(), "client in " + ns + ": " + Files.readString(out));
            Thread.sleep(50);
        }
        throw new AssertionError("client in " + ns + " did not connect: " + Files.readString(out));
    }

    @Test
    void connectionsGoBothWaysBetweenConntrack4jAndARealConntrackd() throws Exception {
        bothWays(false, "sync: FTFW over UDP 203.0.113.2->203.0.113.1:3780 on sync0");
    }

    /** The second configuration: NOTRACK (no sequence tracking, no resends) over UDP on the link's IPv6 addresses. */
    @Test
    void connectionsGoBothWaysInNotrackModeOverAnIpv6Link() throws Exception {
        bothWays(true, "sync: NOTRACK over UDP 2001:db8:5:0:0:0:0:2->2001:db8:5:0:0:0:0:1:3780 on sync0");
    }

    /**
     * One configuration, both ways; conntrackd and the router are stopped at the end (the clients of an earlier
     * configuration stay, their ports told apart).
     */
    private static void bothWays(boolean notrackIpv6, String describes) throws Exception {
        String name = notrackIpv6 ? "notrack6" : "ftfw4";
        String instance = SyncLiveTest.instance + "-" + name;
        Path kconf = lab.conf("krt-" + name, 1, notrackIpv6);
        in(krt, "conntrackd", "-C", kconf.toString(), "-d");
        Path log = tmp.resolve("router-" + name + ".log");
        Process router = lab.router(home, rtr, log, "--instance", instance, "--iface", "lan=lan,192.0.2.1/24",
            "--iface", "wan=wan,198.51.100.1/24", "--rules", Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft")
                .toString(), "--sync", lab.conf("rtr-" + name, 2, notrackIpv6).toString());
        try {
            assertTrue(Files.readString(log).contains(describes), Files.readString(log));
            connections(instance, kconf, router, log);
        } finally {
            // conntrackd is a daemon of the namespace: the next configuration starts its own
            lab.killAllIn(krt);
            router.destroyForcibly();
        }
    }

    private static String ctlOk(String instance, String... args) {
        return lab.ctl(home, instance, args);
    }

    private static void connections(String instance, Path kconf, Process router, Path log) throws Exception {
        // the kernel's connection reaches our external cache, as conntrackd -e would print it
        int kport = hold(klan, "198.51.100.20");
        String ext = await("sync:external", () -> ctlOk(instance, "sync:external"), "tcp      6 ESTABLISHED"
            + " src=192.0.2.20"
            + " dst=198.51.100.20 sport=" + kport + " dport=7000 ", "[ASSURED]");
        assertTrue(ext.endsWith("[ASSURED] [active since 0s]") || ext.matches(".*\\[active since [0-9]+s\\]"), ext);
        String commit = ctlOk(instance, "sync:commit");
        assertTrue(commit.matches("committed [1-9][0-9]* connections, 0 failed; committed 0 expectations, 0 failed\n"),
            commit);
        String ours = await("ct:list", () -> ctlOk(instance, "ct:list"), "ESTABLISHED src=192.0.2.20"
            + " dst=198.51.100.20 sport=" + kport + " dport=7000 src=198.51.100.20 dst=198.51.100.1 sport=7000 ",
            "[ASSURED]");
        assertTrue(ours.startsWith("tcp      6 "), ours);
        assertTrue(ctlOk(instance, "sync:stats").contains("external"), "sync:stats answers");

        // ours reaches conntrackd's external cache; its commit puts it into the kernel's table with our binding
        int oport = hold(lan, "198.51.100.10");
        await("conntrackd -e", () -> in(krt, "conntrackd", "-C", kconf.toString(), "-e"),
            "tcp      6 ESTABLISHED src=192.0.2.10 dst=198.51.100.10 sport=" + oport + " dport=7000 ", "[ASSURED]");
        in(krt, "conntrackd", "-C", kconf.toString(), "-c");
        await("conntrack -L", () -> in(krt, "conntrack", "-L", "-p", "tcp"),
            "ESTABLISHED src=192.0.2.10 dst=198.51.100.10 sport=" + oport + " dport=7000 src=198.51.100.10"
                + " dst=198.51.100.1 sport=7000 ", "[ASSURED]");
        // our own internal cache prints it as conntrackd -i does
        await("sync:internal", () -> ctlOk(instance, "sync:internal"), "tcp      6 ESTABLISHED src=192.0.2.10"
            + " dst=198.51.100.10 sport=" + oport + " dport=7000 ");

        router.destroy();
        assertTrue(router.waitFor(30, TimeUnit.SECONDS), "the router stops on SIGTERM");
        assertEquals(0, router.exitValue(), Files.readString(log));
        lab.ctlRun(home, instance, "sync:stats").assertStatus(1);
    }
}
