package org.conntrack4j.dataplane;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A LAN host, a router and a WAN host in three network namespaces a test makes for itself (unique names, removed by
 * {@link #close()} even when the test failed), joined by two veth pairs: {@code lan0} (LAN host) to {@code rlan} and
 * {@code rwan} to {@code wan0} (WAN host). The router's devices have no address of the kernel's, IPv4 forwarding
 * off and the kernel's IPv6 disabled: only conntrack4j forwards. The hosts have documentation addresses:
 * LAN 192.0.2.10/24 and 2001:db8:1::10/64 behind 192.0.2.1 / 2001:db8:1::1, WAN 198.51.100.10/24 and
 * 2001:db8:2::10/64 (the router is .1 / ::1 on each; the WAN host has no route back to the LAN, as on the Internet).
 * Needs root and iproute2; fails, never skips, without them.
 */
final class Lab implements AutoCloseable {
    static final String LAN_HOST = "192.0.2.10";
    static final String WAN_HOST = "198.51.100.10";
    static final String LAN_HOST6 = "2001:db8:1::10";
    static final String WAN_HOST6 = "2001:db8:2::10";
    static final String LAN_IFACE = "lan=rlan,192.0.2.1/24,2001:db8:1::1/64";
    static final String WAN_IFACE = "wan=rwan,198.51.100.1/24,2001:db8:2::1/64";

    private interface C extends Library {
        int open(String path, int flags);

        int close(int fd);

        int setns(int fd, int nstype);
    }

    private static final C LIBC = Native.load("c", C.class);
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_CLOEXEC = 0x80000;

    final String lan;
    final String router;
    final String wan;
    private final List<String> made = new ArrayList<>();

    Lab() {
        String tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000,
            0x10000));
        lan = "ct4j-lan-" + tag;
        router = "ct4j-rtr-" + tag;
        wan = "ct4j-wan-" + tag;
        try {
            for (String ns : List.of(lan, router, wan)) {
                run("ip", "netns", "add", ns);
                made.add(ns);
                in(ns, "ip", "link", "set", "lo", "up");
            }
            in(router, "sysctl", "-qw", "net.ipv4.ip_forward=0");
            link(lan, "lan0", "rlan");
            link(wan, "wan0", "rwan");
            host(lan, "lan0", LAN_HOST + "/24", LAN_HOST6 + "/64", "192.0.2.1", "2001:db8:1::1");
            host(wan, "wan0", WAN_HOST + "/24", WAN_HOST6 + "/64", null, null);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** A veth pair: {@code hostDev} in {@code hostNs}, {@code routerDev} in the router with the kernel's IPv6 off. */
    private void link(String hostNs, String hostDev, String routerDev) {
        in(router, "ip", "link", "add", routerDev, "type", "veth", "peer", "name", hostDev, "netns", hostNs);
        in(router, "sysctl", "-qw", "net.ipv6.conf." + routerDev + ".disable_ipv6=1");
        in(router, "ip", "link", "set", routerDev, "up");
    }

    private void host(String ns, String dev, String v4, String v6, String gw4, String gw6) {
        // no duplicate address detection: the address is usable at once
        in(ns, "sysctl", "-qw", "net.ipv6.conf." + dev + ".accept_dad=0");
        in(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0");
        in(ns, "ip", "addr", "add", v4, "dev", dev);
        in(ns, "ip", "-6", "addr", "add", v6, "dev", dev, "nodad");
        in(ns, "ip", "link", "set", dev, "up");
        if (gw4 != null) {
            in(ns, "ip", "route", "add", "default", "via", gw4);
            in(ns, "ip", "-6", "route", "add", "default", "via", gw6);
        }
    }

    /** Runs a command in namespace {@code ns} (at most 30 s); returns its output, throws with it when it fails. */
    static String in(String ns, String... cmd) {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return run(l.toArray(String[]::new));
    }

    /** As {@link #in} but returns the exit status and the output, never throws for a failing command. */
    static Object[] tryIn(String ns, String... cmd) {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return exec(l.toArray(String[]::new), 30);
    }

    /** The EUI-64 link-local address of router device {@code dev}, from its hardware address. */
    String routerLinkLocal(String dev) {
        String out = in(router, "cat", "/sys/class/net/" + dev + "/address").strip();
        String[] b = out.split(":");
        int first = Integer.parseInt(b[0], 16) ^ 0x02;
        return String.format("fe80::%x:%s:%s:%s", first << 8 | Integer.parseInt(b[1], 16), b[2] + "ff", "fe" + b[3],
            b[4] + b[5]);
    }

    /** Waits (up to 10 s) until something listens on {@code proto} ("tcp" or "udp") port {@code port} in {@code ns}. */
    static void awaitListener(String ns, String proto, int port) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            String out = in(ns, "ss", "-Hln", proto.equals("udp") ? "-u" : "-t", "sport", "= :" + port);
            if (!out.isBlank()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on " + proto + " port " + port + " in " + ns);
    }

    /** Starts a command in namespace {@code ns} in the background; the caller destroys it. */
    static Process background(String ns, String... cmd) throws IOException {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return new ProcessBuilder(l).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static String run(String... cmd) {
        Object[] r = exec(cmd, 30);
        if ((int) r[0] != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r[0] + ": " + ((String) r[1]).strip());
        }
        return (String) r[1];
    }

    private static Object[] exec(String[] cmd, int seconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Object[] {-1, String.join(" ", cmd) + ": no answer in " + seconds + " s"};
            }
            return new Object[] {p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + " (needs root and iproute2): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs {@code body} on this thread switched into the router's namespace (sockets made there stay there). */
    <T> T insideRouter(Callable<T> body) throws Exception {
        int self = LIBC.open("/proc/thread-self/ns/net", O_CLOEXEC);
        int target = LIBC.open("/run/netns/" + router, O_CLOEXEC);
        try {
            if (self < 0 || target < 0 || LIBC.setns(target, CLONE_NEWNET) != 0) {
                throw new AssertionError("cannot enter namespace " + router);
            }
            try {
                return body.call();
            } finally {
                if (LIBC.setns(self, CLONE_NEWNET) != 0) {
                    throw new AssertionError("cannot leave namespace " + router);
                }
            }
        } finally {
            LIBC.close(self);
            LIBC.close(target);
        }
    }

    @Override
    public void close() {
        AssertionError first = null;
        for (String ns : made) {
            try {
                run("ip", "netns", "del", ns);
            } catch (AssertionError e) {
                first = first == null ? e : first;
            }
        }
        made.clear();
        if (first != null) {
            throw first;
        }
    }
}
