package org.conntrack4j.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.ctl.ControlClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket between {@link ControlClient} and {@link ControlServer}, with a command processor standing in
 * for the framework's shell: who may reach the socket, how a command's output, errors, exit status and file come
 * across, and what a client says when no router (or several) runs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlServerTest {
    @TempDir
    Path data;

    /** Command lines the fake shell ran, with their variables substituted. */
    private final List<String> ran = new CopyOnWriteArrayList<>();

    /**
     * A shell that knows {@code ct:list} (prints two lines), {@code ct:fail} (throws), {@code nft:load FILE} (prints
     * the file, or fails naming it when it says "bad") and {@code ct:status N} (returns N).
     */
    private CommandProcessor fakeShell() {
        return (CommandProcessor) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {CommandProcessor.class}, (p, m, a) -> {
                if (!m.getName().equals("createSession") || a.length != 3) {
                    throw new UnsupportedOperationException(m.getName());
                }
                PrintStream out = new PrintStream((OutputStream) a[1], true, StandardCharsets.UTF_8);
                PrintStream err = new PrintStream((OutputStream) a[2], true, StandardCharsets.UTF_8);
                return session(out, err);
            });
    }

    private CommandSession session(PrintStream out, PrintStream err) {
        Map<String, Object> vars = new HashMap<>();
        return (CommandSession) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {CommandSession.class}, (p, m, a) -> {
                switch (m.getName()) {
                    case "put":
                        vars.put((String) a[0], a[1]);
                        return null;
                    case "close":
                        return null;
                    case "execute": {
                        String[] words = a[0].toString().split(" ");
                        for (int i = 1; i < words.length; i++) {
                            words[i] = String.valueOf(vars.get(words[i].substring(1)));
                        }
                        ran.add(String.join(" ", words));
                        switch (words[0]) {
                            case "ct:list":
                                out.println("tcp      6 431999 ESTABLISHED src=192.0.2.10");
                                out.println("udp      17 29 src=192.0.2.10");
                                return null;
                            case "ct:fail":
                                throw new IllegalStateException("it went wrong");
                            case "ct:status":
                                return Integer.parseInt(words[1]);
                            case "nft:load": {
                                String text = Files.readString(Path.of(words[1]));
                                if (text.contains("bad")) {
                                    throw new IllegalArgumentException(words[1] + ":1:1: bad ruleset");
                                }
                                out.print(text);
                                return null;
                            }
                            default:
                                throw new IllegalArgumentException("Command not found: " + words[0]);
                        }
                    }
                    default:
                        throw new UnsupportedOperationException(m.getName());
                }
            });
    }

    private ControlServer open(String instance) throws IOException {
        return ControlServer.open(data.resolve("run"), instance, Files.createDirectories(data.resolve("tmp")),
            fakeShell());
    }

    /** Runs the client; returns {status, stdout, stderr}. */
    private Object[] client(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[args.length + 1];
        argv[0] = data.toString();
        System.arraycopy(args, 0, argv, 1, args.length);
        int status = ControlClient.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Object[] {status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void onlyTheOwnerReachesTheSocket() throws IOException {
        try (ControlServer s = open("default")) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("run"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.socket())));
            assertEquals(data.resolve("run/default.sock"), s.socket());
        }
        assertFalse(Files.exists(data.resolve("run/default.sock")), "closing removes the socket file");
    }

    @Test
    void outputErrorsAndStatusComeAcross() throws IOException {
        try (ControlServer s = open("default")) {
            Object[] r = client("ct:list", "-o", "extended");
            assertEquals(0, r[0]);
            assertEquals("tcp      6 431999 ESTABLISHED src=192.0.2.10\nudp      17 29 src=192.0.2.10\n", r[1]);
            assertEquals("ct:list -o extended", ran.get(0), "each argument arrives as it was given");
            r = client("ct:status", "7");
            assertEquals(7, r[0]);
            r = client("ct:fail");
            assertEquals(1, r[0]);
            assertEquals("conntrack4j: it went wrong\n", r[2]);
            r = client("lb");
            assertEquals(2, r[0], "only ct:, nft: and router: commands");
            assertTrue(((String) r[2]).contains("not a command of the running router"), (String) r[2]);
        }
    }

    @Test
    void nftLoadSendsTheClientsFileAndErrorsNameIt() throws IOException {
        Path rules = Files.writeString(data.resolve("mine.nft"), "table inet t {\n}\n");
        Path bad = Files.writeString(data.resolve("bad.nft"), "bad\n");
        try (ControlServer s = open("default")) {
            Object[] r = client("nft:load", rules.toString());
            assertEquals(0, r[0], (String) r[2]);
            assertEquals("table inet t {\n}\n", r[1]);
            r = client("nft:load", bad.toString());
            assertEquals(1, r[0]);
            assertEquals("conntrack4j: " + bad + ":1:1: bad ruleset\n", r[2]);
            try (var files = Files.list(data.resolve("tmp"))) {
                assertEquals(0, files.count(), "the server's copies are removed");
            }
            r = client("nft:load", data.resolve("absent.nft").toString());
            assertEquals(1, r[0]);
            assertTrue(((String) r[2]).contains("cannot read"), (String) r[2]);
        }
    }

    @Test
    void noRouterSeveralRoutersAndNamedInstances() throws IOException {
        Object[] r = client("ct:list");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).startsWith("conntrack4j: no router is running"), (String) r[2]);
        try (ControlServer a = open("a")) {
            assertEquals(0, client("ct:list")[0], "one instance: found without --instance");
            try (ControlServer b = open("b")) {
                r = client("ct:list");
                assertEquals(2, r[0]);
                assertTrue(((String) r[2]).contains("several routers are running (a, b)"), (String) r[2]);
                assertEquals(0, client("--instance", "b", "ct:list")[0]);
                r = client("--instance", "c", "ct:list");
                assertEquals(1, r[0]);
                assertTrue(((String) r[2]).contains("no router instance \"c\" is running"), (String) r[2]);
            }
            IOException e = assertThrows(IOException.class, () -> open("a"));
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
        }
    }

    @Test
    void aSocketFileLeftByAKilledRouterIsSkippedAndReplaced() throws IOException {
        Files.createDirectories(data.resolve("run"));
        // a socket file nobody listens on, as a router killed with SIGKILL leaves
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(data.resolve("run/default.sock")));
        }
        assertTrue(Files.exists(data.resolve("run/default.sock")));
        assertEquals(1, client("ct:list")[0]);
        try (ControlServer s = open("default")) {
            assertEquals(0, client("ct:list")[0]);
        }
    }
}
