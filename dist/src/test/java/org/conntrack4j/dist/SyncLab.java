package org.conntrack4j.dist;

import static org.conntrack4j.dist.LiveRouterTest.in;
import static org.conntrack4j.dist.LiveRouterTest.sh;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What the state sync tests with real routers share: network namespaces of unique names and the processes started
 * in them, all removed by {@link #close()} even when a step failed (daemons such as conntrackd with their
 * namespace's processes); conntrackd.conf for a dedicated FTFW link over UDP; the live router and its control
 * commands.
 */
final class SyncLab implements AutoCloseable {
    /**
     * conntrackd.conf of one end of the sync link on sync0 (expectations too): FTFW over 203.0.113.0/30 or, the second
     * configuration, NOTRACK over 2001:db8:5::/64.
     */
    private static final String CONF = """
        Sync {
            Mode MODE {
            }
            UDP {
                FAMILY_address SELF
                FAMILY_Destination_Address PEER
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
                    IPv6_address ::1
                    IPv6_address 2001:db8:5::/64
                }
            }
        }
        """;

    final Path dir;
    final String tag;
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    SyncLab(Path dir, String prefix) {
        this.dir = dir;
        this.prefix = prefix;
        this.tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000,
            0x10000));
    }

    /** A new namespace with its loopback up. */
    String ns(String role) {
        String n = prefix + "-" + role + "-" + tag;
        sh("ip", "netns", "add", n);
        namespaces.add(n);
        in(n, "ip", "link", "set", "lo", "up");
        return n;
    }

    /**
     * The sync link: sync0 in both namespaces, 203.0.113.1/30 and 2001:db8:5::1/64 in {@code first}, .2 and ::2 in
     * {@code second} (without duplicate address detection, so that the addresses can be bound at once).
     */
    void syncLink(String first, String second) {
        in(first, "ip", "link", "add", "sync0", "type", "veth", "peer", "name", "sync0", "netns", second);
        in(first, "ip", "addr", "add", "203.0.113.1/30", "dev", "sync0");
        in(second, "ip", "addr", "add", "203.0.113.2/30", "dev", "sync0");
        in(first, "ip", "addr", "add", "2001:db8:5::1/64", "dev", "sync0", "nodad");
        in(second, "ip", "addr", "add", "2001:db8:5::2/64", "dev", "sync0", "nodad");
        in(first, "ip", "link", "set", "sync0", "up");
        in(second, "ip", "link", "set", "sync0", "up");
    }

    /** Writes the FTFW conntrackd.conf of the end {@code self} (1 or 2 of 203.0.113.0/30) into a folder of its own. */
    Path conf(String name, int self) throws IOException {
        return conf(name, self, false);
    }

    /**
     * Writes the conntrackd.conf of the end {@code self} (1 or 2) into a folder of its own: FTFW over IPv4, or with
     * {@code notrackIpv6} NOTRACK over IPv6.
     */
    Path conf(String name, int self, boolean notrackIpv6) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Path f = d.resolve("conntrackd.conf");
        String net = notrackIpv6 ? "2001:db8:5::" : "203.0.113.";
        Files.writeString(f, CONF.replace("MODE", notrackIpv6 ? "NOTRACK" : "FTFW")
            .replace("FAMILY", notrackIpv6 ? "IPv6" : "IPv4").replace("SELF", net + self)
            .replace("PEER", net + (3 - self)).replace("DIR", d.toString()));
        return f;
    }

    /** Starts {@code cmd} in {@code ns}, its output in a file of its own; stopped by {@link #close()}. */
    Process start(String ns, Path log, String... cmd) throws IOException {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        Process p = new ProcessBuilder(l).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /** {@code bin/conntrack4j router ...} of {@code home} in {@code ns}, once it said it is ready. */
    Process router(Path home, String ns, Path log, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString(), "router"));
        c.addAll(List.of(args));
        Process router = start(ns, log, c.toArray(String[]::new));
        long until = System.nanoTime() + 60_000_000_000L;
        while (!Files.readString(log).contains("conntrack4j router ready")) {
            assertTrue(router.isAlive() && System.nanoTime() < until, "router:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        return router;
    }

    /** A control command of the running router {@code instance} of {@code home}; must succeed. */
    String ctl(Path home, String instance, String... args) {
        Dist.Result r = ctlRun(home, instance, args);
        r.assertStatus(0);
        return r.out();
    }

    Dist.Result ctlRun(Path home, String instance, String... args) {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString(), "--instance", instance));
        c.addAll(List.of(args));
        return Dist.run(c, dir, Dist.plainEnv(dir), null, 30);
    }

    /** Stops every process in {@code ns} (a daemon such as conntrackd is not a child of ours). */
    void killAllIn(String ns) {
        try {
            for (String pid : sh("ip", "netns", "pids", ns).strip().split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (AssertionError e) {
            // the namespace is gone already
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String n : namespaces) {
            killAllIn(n);
            new ProcessBuilder("ip", "netns", "del", n).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
