package org.conntrack4j.dist;

import static org.conntrack4j.dist.LiveRouterTest.in;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * FTFW over a lossy sync link (issue 15, item 5): 5% of the datagrams are dropped each way (nftables, as this kernel
 * has no netem), between a real conntrackd on a kernel and the live router. Each side makes up to {@value #N}
 * connections (the kernel by {@code conntrack -I}, conntrack4j from a LAN host's UDP flows); each peer's external
 * cache ends up with all of the other's, and message tracking shows that messages were lost and made good.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncLossTest {
    private static final int N = 1000;

    @TempDir
    static Path tmp;

    @Test
    void ftfwConvergesOverALinkLosingFivePercent() throws Exception {
        Path home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        try (SyncLab lab = new SyncLab(tmp, "ct4j-loss")) {
            String lan = lab.ns("lan");
            String rtr = lab.ns("rtr");
            String krt = lab.ns("krt");
            String wan = lab.ns("wan");
            String instance = "loss-" + lab.tag;
            in(rtr, "ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan0", "netns", lan);
            in(rtr, "ip", "link", "add", "wan", "type", "veth", "peer", "name", "wan0", "netns", wan);
            in(wan, "ip", "addr", "add", "198.51.100.10/24", "dev", "wan0");
            in(wan, "ip", "link", "set", "wan0", "up");
            in(lan, "ip", "addr", "add", "192.0.2.10/24", "dev", "lan0");
            in(lan, "ip", "link", "set", "lan0", "up");
            in(lan, "ip", "route", "add", "default", "via", "192.0.2.1");
            in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0");
            for (String dev : List.of("lan", "wan")) {
                in(rtr, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
                in(rtr, "ip", "link", "set", dev, "up");
            }
            lab.syncLink(krt, rtr);
            // this kernel has no netem qdisc: each side's output drops 5% of its sync datagrams (nftables' random
            // number); reordering is shown on the simulated link of the sync bundle's tests (FtfwLossTest)
            Path lossy = Files.writeString(tmp.resolve("lossy.nft"), "table inet lossy {\n\tchain out {\n"
                + "\t\ttype filter hook output priority filter; policy accept;\n"
                + "\t\toifname \"sync0\" udp dport 3780 numgen random mod 100 < 5 counter drop\n\t}\n}\n");
            for (String ns : List.of(krt, rtr)) {
                in(ns, "nft", "-f", lossy.toString());
            }
            Path kconf = lab.conf("krt", 1);
            in(krt, "conntrackd", "-C", kconf.toString(), "-d");
            lab.router(home, rtr, tmp.resolve("router.log"), "--instance", instance, "--iface", "lan=lan,192.0.2.1/24",
                "--iface", "wan=wan,198.51.100.1/24", "--rules", Dist.SOURCE_ROOT.resolve("tools/router/ruleset.nft")
                    .toString(), "--sysctl", "net.netfilter.nf_conntrack_udp_timeout=600", "--sync",
                lab.conf("rtr", 2).toString());

            // both sides past their HELLO (conntrackd drops what its peer lost before the handshake ended)
            Thread.sleep(5000);
            in(krt, "sh", "-c", "for p in $(seq 20000 " + (20000 + N - 1) + "); do conntrack -I -p tcp -s 192.0.2.30"
                + " -d 198.51.100.30 --sport $p --dport 80 --state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED"
                + " >/dev/null 2>&1 || exit 1; done");
            in(lan, "python3", "-c", String.join("\n",
                "import socket, time",
                "for p in range(30000, 30000 + " + N + "):",
                "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "    s.bind(('192.0.2.10', p))",
                "    s.sendto(b'x', ('198.51.100.10', 9999))",
                "    s.close()",
                "    time.sleep(0.002)"));
            // what the router tracked of them (a datagram its ring dropped on this busy machine made none)
            String mine = "src=192.0.2.10 dst=198.51.100.10 sport=";
            int ours = 0;
            for (int i = 0; i < 20; i++) {
                Thread.sleep(250);
                ours = (int) lab.ctl(home, instance, "ct:list").lines().filter(l -> l.contains(mine)).count();
            }
            assertTrue(ours > N / 2, "the router tracked " + ours + " of the LAN host's " + N + " flows");

            Supplier<String> why = () -> "\nour sync:stats:\n" + lab.ctl(home, instance, "sync:stats") + "\nour ct:count "
                + lab.ctl(home, instance, "ct:count") + "our sync:stats network:\n"
                + lab.ctl(home, instance, "sync:stats", "network") + "\nconntrackd -s:\n"
                + in(krt, "conntrackd", "-C", kconf.toString(), "-s");
            awaitCount("our external cache", () -> lab.ctl(home, instance, "sync:external"), "src=192.0.2.30 ", N, why);
            awaitCount("conntrackd -e", () -> in(krt, "conntrackd", "-C", kconf.toString(), "-e"), mine, ours, why);
            long lostOurs = lost(lab.ctl(home, instance, "sync:stats"));
            long theirs = lost(in(krt, "conntrackd", "-C", kconf.toString(), "-s"));
            String dropped = in(krt, "nft", "list", "table", "inet", "lossy") + in(rtr, "nft", "list", "table", "inet",
                "lossy");
            assertTrue(lostOurs + theirs > 0, "message tracking shows losses: ours " + lostOurs + ", conntrackd's " + theirs
                + "\n" + dropped);
        }
    }

    private static long lost(String stats) {
        Matcher m = Pattern.compile("(\\d+) Lost msgs").matcher(stats);
        assertTrue(m.find(), stats);
        return Long.parseLong(m.group(1));
    }

    /** Waits until {@code expected} lines of {@code probe} contain {@code needle}. */
    private static void awaitCount(String what, Supplier<String> probe, String needle, int expected,
        Supplier<String> why) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        long n = 0;
        while (System.nanoTime() < until) {
            n = probe.get().lines().filter(l -> l.contains(needle)).count();
            if (n >= expected) {
                assertTrue(n == expected, what + ": " + n + " lines, expected " + expected);
                return;
            }
            Thread.sleep(500);
        }
        String last = probe.get();
        StringBuilder missing = new StringBuilder();
        for (int p = 20000; p < 20000 + N; p++) {
            if (!last.contains("sport=" + p + " ") && missing.length() < 400) {
                missing.append(p).append(' ');
            }
        }
        throw new AssertionError(what + ": " + n + " of " + expected + " within 60 s; missing (of the kernel's): " + missing
            + why.get());
    }
}
