package org.conntrack4j.sync.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;
import org.conntrack4j.sync.cache.Dumps;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.node.SyncRunner;
import org.conntrack4j.sync.node.TableStub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real conntrackd (Debian's conntrack-tools 1.4.7, installed by .ci/run) in a network namespace
 * of its own, joined to this host by a veth pair that is the dedicated link (FTFW over UDP, IPv4):
 * <ul>
 * <li>our node sends it connections and an expectation: {@code conntrackd -e} lists each as we would print
 * it, and after {@code conntrackd -c} its kernel holds the connections;</li>
 * <li>its kernel's connections ({@code conntrack -I} in the namespace) reach our external cache.</li>
 * </ul>
 * Needs root and conntrackd: it fails, not skips, without them.
 */
class ConntrackdInteropTest {
    static final String NS = "c4jsync" + ProcessHandle.current().pid();
    static final String HOST_IF = "c4js" + (ProcessHandle.current().pid() % 100000) + "h";
    static Path dir;
    static SyncRunner runner;
    static final List<SyncConnection> committedToUs = new CopyOnWriteArrayList<>();

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    static String ns(String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        c.addAll(Arrays.asList(cmd));
        return run(c.toArray(String[]::new));
    }

    static String conntrackd(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("conntrackd", "-C", dir.resolve("conntrackd.conf").toString()));
        c.addAll(Arrays.asList(args));
        return ns(c.toArray(String[]::new));
    }

    @BeforeAll
    static void setUp() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("needs root (network namespaces, a real conntrackd)");
        }
        try {
            run("conntrackd", "-v");
        } catch (IOException e) {
            fail("needs conntrackd (Debian: apt-get install conntrackd conntrack; .ci/run installs it): " + e);
        }
        dir = Files.createTempDirectory("c4j-sync-interop");
        run("ip", "netns", "add", NS);
        run("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", "sync0", "netns", NS);
        run("ip", "addr", "add", "192.0.2.249/30", "dev", HOST_IF);
        run("ip", "link", "set", HOST_IF, "up");
        ns("ip", "link", "set", "lo", "up");
        ns("ip", "addr", "add", "192.0.2.250/30", "dev", "sync0");
        ns("ip", "link", "set", "sync0", "up");
        Files.writeString(dir.resolve("conntrackd.conf"), """
                Sync {
                    Mode FTFW {
                        DisableExternalCache Off
                    }
                    UDP {
                        IPv4_address 192.0.2.250
                        IPv4_Destination_Address 192.0.2.249
                        Port 3780
                        Interface sync0
                    }
                    Options {
                        ExpectationSync On
                    }
                }
                General {
                    Systemd off
                    HashSize 8192
                    LockFile DIR/lock
                    LogFile DIR/log
                    Syslog off
                    UNIX {
                        Path DIR/sock
                    }
                    Filter From Userspace {
                        Address Ignore {
                            IPv4_address 192.0.2.248/30
                        }
                    }
                }
                """.replace("DIR", dir.toString()));
        conntrackd("-d");
        // our side of the link
        SyncConfig cfg = ConfParser.parse("ours.conf", """
                Sync {
                    Mode FTFW {
                    }
                    UDP {
                        IPv4_address 192.0.2.249
                        IPv4_Destination_Address 192.0.2.250
                        Port 3780
                        Interface IFACE
                    }
                    Options {
                        ExpectationSync On
                    }
                }
                """.replace("IFACE", HOST_IF));
        runner = new SyncRunner(cfg, new TableStub((c, t) -> committedToUs.add(c)), m -> { });
        runner.start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (runner != null) {
                runner.close();
            }
        } finally {
            try {
                if (dir != null) {
                    conntrackd("-k");
                }
            } catch (IOException e) {
                // it may not have started
            } finally {
                try {
                    run("ip", "netns", "pids", NS).lines().forEach(pid -> ProcessHandle.of(Long.parseLong(pid.trim()))
                            .ifPresent(ProcessHandle::destroyForcibly));
                } catch (IOException e) {
                    // no namespace
                }
                runFinally("ip", "netns", "del", NS);
                runFinally("ip", "link", "del", HOST_IF);
            }
        }
    }

    private static void runFinally(String... cmd) {
        try {
            run(cmd);
        } catch (IOException | InterruptedException e) {
            // already gone
        }
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static List<SyncConnection> ours() throws Exception {
        long st = SyncConnection.IPS_CONFIRMED | SyncConnection.IPS_SEEN_REPLY | SyncConnection.IPS_ASSURED;
        SyncTuple tcp = new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 6, 40001, 443);
        SyncTuple udp = new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 17, 40002, 53);
        SyncTuple icmp = SyncTuple.icmp(ip("198.51.100.7"), ip("203.0.113.9"), 1, 8, 0, 4242);
        SyncTuple tcp6 = new SyncTuple(ip("2001:db8:1::7"), ip("2001:db8:2::9"), 6, 40003, 80);
        SyncTuple sctp = new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 132, 4000, 5000);
        SyncTuple ftp = new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 6, 40004, 21);
        return List.of(
                SyncConnection.builder(tcp).status(st | SyncConnection.IPS_SRC_NAT | SyncConnection.IPS_SRC_NAT_DONE)
                        .tcp(new SyncConnection.Tcp(3, 7, 7)).timeout(431999L).mark(0L)
                        .snatAddress(ip("203.0.113.1")).snatPort(61001).build(),
                SyncConnection.builder(udp).status(SyncConnection.IPS_CONFIRMED).timeout(30L).mark(42L).zone(7)
                        .build(),
                SyncConnection.builder(icmp).status(st).timeout(29L).build(),
                SyncConnection.builder(tcp6).status(st).tcp(new SyncConnection.Tcp(3, 7, 7)).timeout(431999L)
                        .build(),
                SyncConnection.builder(sctp).status(SyncConnection.IPS_CONFIRMED)
                        .sctp(new SyncConnection.Sctp(2, 0, 0x11223344L)).timeout(3L).build(),
                SyncConnection.builder(ftp).status(st | SyncConnection.IPS_HELPER)
                        .tcp(new SyncConnection.Tcp(3, 7, 7)).timeout(431999L).helper("ftp").build());
    }

    static SyncExpectation ourExpectation() throws Exception {
        SyncTuple master = new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 6, 40004, 21);
        return new SyncExpectation(master, new SyncTuple(ip("198.51.100.7"), ip("203.0.113.9"), 6, 0, 50001),
                new SyncTuple(ip("255.255.255.255"), ip("255.255.255.255"), 6, 0, 0xffff), 300L, 0, 0L, null, 0,
                "ftp", null);
    }

    static String withoutAge(String dump) {
        return String.join("\n", new TreeSet<>(dump.lines().map(l -> l.replaceAll(" \\[active since \\d+s\\]$", ""))
                .toList()));
    }

    static String pollUntil(String want, String... args) throws Exception {
        String got = "";
        for (int i = 0; i < 100; i++) {
            got = withoutAge(conntrackd(args));
            if (got.equals(want)) {
                return got;
            }
            Thread.sleep(100);
        }
        return got;
    }

    @Test
    void realConntrackdTakesOurConnectionsAndCommitsThem() throws Exception {
        for (SyncConnection c : ours()) {
            runner.newConnection(c.toBuilder().reply(c.orig().inverted()).build(), SyncEvents.Origin.ENGINE);
        }
        runner.newExpectation(ourExpectation(), SyncEvents.Origin.ENGINE);
        StringBuilder want = new StringBuilder();
        for (SyncConnection c : ours()) {
            want.append(Dumps.connection(c, null, 0)).append('\n');
        }
        String wantCt = withoutAge(want.toString());
        assertEquals(wantCt, pollUntil(wantCt, "-e"), "conntrackd -e");
        String wantExp = withoutAge(Dumps.expectation(ourExpectation(), null, 0));
        assertEquals(wantExp, pollUntil(wantExp, "-e", "expect"), "conntrackd -e expect");
        String stats = conntrackd("-s", "network");
        assertTrue(stats.contains("Malformed messages:\t                   0"), stats);

        // the real conntrackd commits what we sent into its kernel
        conntrackd("-c");
        String table = ns("conntrack", "-L");
        assertTrue(table.contains("ESTABLISHED src=198.51.100.7 dst=203.0.113.9 sport=40001 dport=443"), table);
        assertTrue(table.contains("src=203.0.113.9 dst=203.0.113.1 sport=443 dport=61001 [ASSURED]"), table);
        assertTrue(table.contains("dport=53") && table.contains("mark=42") && table.contains("zone=7"), table);
        assertTrue(table.contains("src=2001:db8:1::7 dst=2001:db8:2::9 sport=40003 dport=80"), table);
        assertTrue(table.contains("helper=ftp"), table);
    }

    @Test
    void realConntrackdSendsItsKernelsConnectionsToUs() throws Exception {
        ns("conntrack", "-I", "-p", "tcp", "-s", "198.51.100.77", "-d", "203.0.113.77", "--sport", "41000",
                "--dport", "8080", "--state", "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED", "--mark", "9");
        ns("conntrack", "-I", "-p", "udp", "-s", "2001:db8:7::1", "-d", "2001:db8:8::1", "--sport", "5353",
                "--dport", "53", "-t", "30");
        List<SyncConnection> got = List.of();
        for (int i = 0; i < 100; i++) {
            got = runner.call(() -> runner.node().externalConnections());
            if (got.stream().filter(c -> c.orig().src().getHostAddress().contains("77")
                    || c.orig().srcPort() == 5353).count() == 2) {
                break;
            }
            Thread.sleep(100);
        }
        SyncConnection tcp = got.stream().filter(c -> c.orig().srcPort() == 41000).findFirst().orElseThrow(
                () -> new AssertionError("TCP connection not received: " + runner.node().recvStats().malformed));
        assertEquals(new SyncTuple(ip("198.51.100.77"), ip("203.0.113.77"), 6, 41000, 8080), tcp.orig());
        assertEquals(3, tcp.tcp().state());
        assertEquals(9L, tcp.mark());
        assertTrue((tcp.status() & SyncConnection.IPS_ASSURED) != 0);
        assertTrue(tcp.timeout() > 250 && tcp.timeout() <= 300, "timeout " + tcp.timeout());
        SyncConnection udp = got.stream().filter(c -> c.orig().srcPort() == 5353).findFirst().orElseThrow();
        assertEquals(new SyncTuple(ip("2001:db8:7::1"), ip("2001:db8:8::1"), 17, 5353, 53), udp.orig());
        assertEquals(0, (long) runner.call(() -> runner.node().recvStats().malformed));
    }
}
