package org.conntrack4j.io.afpacket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace made for one test (unique name, removed by {@link #close()} with everything in it),
 * driven with iproute2's {@code ip}. Fails loudly, never skips: a test that needs a namespace and cannot make
 * one is a failed test (CI runs as root with iproute2 installed by .ci/run).
 */
final class Netns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates {@code ct4j-afp-<pid>-<random>} with IPv6 off (no router solicitations or DAD on its links). */
    static Netns create() {
        String name = "ct4j-afp-" + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        run("ip", "netns", "add", name);
        Netns ns = new Netns(name);
        try {
            ns.inside(() -> {
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf/all/disable_ipv6"), "1");
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1");
                return null;
            });
        } catch (RuntimeException | Error e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** {@code ip -n NAME args...}; throws with ip's message when it fails. */
    String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** {@code ip netns exec NAME args...}. */
    String exec(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** Adds a veth pair {@code a} - {@code b} inside, both up; moves {@code b} to {@code other} if given. */
    void vethPair(String a, String b, Netns other) {
        ip("link", "add", a, "type", "veth", "peer", "name", b);
        if (other != null) {
            ip("link", "set", b, "netns", other.name);
            other.ip("link", "set", b, "up");
        } else {
            ip("link", "set", b, "up");
        }
        ip("link", "set", a, "up");
    }

    /**
     * Runs {@code body} on the calling thread switched into this namespace (setns), then switches back:
     * sockets made inside stay in the namespace.
     */
    <T> T inside(Callable<T> body) {
        int self = LibC.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int target = LibC.open("/run/netns/" + name, O_RDONLY | O_CLOEXEC);
        if (self < 0 || target < 0) {
            throw new AssertionError("cannot open namespace files for " + name + ": " + LibC.describe(LibC.errno()));
        }
        try {
            if (LibC.setns(target, CLONE_NEWNET) < 0) {
                throw new AssertionError("setns into " + name + ": " + LibC.describe(LibC.errno()));
            }
            try {
                return body.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                if (LibC.setns(self, CLONE_NEWNET) < 0) {
                    throw new AssertionError("setns back from " + name + ": " + LibC.describe(LibC.errno()));
                }
            }
        } finally {
            LibC.close(self);
            LibC.close(target);
        }
    }

    @Override
    public void close() {
        run("ip", "netns", "del", name);
    }

    /** Runs a command (10 s at most), returns its output; throws with the output when it fails. */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + ": no answer in 10 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + " (needs root and iproute2): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
