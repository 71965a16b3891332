package org.conntrack4j.dataplane;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.conntrack4j.ctl.ControlProtocol;

/**
 * The control socket of a running router ({@link ControlProtocol}): a Unix socket file, mode 0600, in a folder of
 * mode 0700, so that only the owner (and root) reaches it. Each connection runs one command of the router's
 * framework ({@code ct:*}, {@code nft:*}, {@code router:*}, {@code sync:*}) in a shell session of its own, streams what it prints,
 * and ends with its exit status; the client closing the connection interrupts the command.
 *
 * <p>Threads: one accepting, one per connection (and one watching that the client is still there), at most
 * {@link #MAX_CLIENTS} connections at once: one more is answered with an error and exit status 1. Closing stops
 * accepting, interrupts the running commands and removes the socket file.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_SOCKET = PosixFilePermissions.fromString("rw-------");
    /** Commands a client may run: conntrack's, nft's, the router's own and the sync node's, not the shell's. */
    private static final List<String> SCOPES = List.of("ct:", "nft:", "router:", "sync:");
    private static final List<String> REFUSED = List.of("router:start", "router:stop");
    /** Control connections served at once (each a thread, and a request of up to {@code ControlProtocol}'s limits). */
    static final int MAX_CLIENTS = 8;

    private final Path socket;
    private final Path scratch;
    private final CommandProcessor processor;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<Thread> running = new ArrayList<>();
    private volatile boolean closed;

    private ControlServer(Path socket, Path scratch, CommandProcessor processor, ServerSocketChannel server) {
        this.socket = socket;
        this.scratch = scratch;
        this.processor = processor;
        this.server = server;
        this.acceptor = new Thread(this::accept, "router-control");
        this.acceptor.setDaemon(true);
    }

    /**
     * Opens {@code dir/INSTANCE.sock}. A socket file nobody answers on (a router that was killed) is replaced.
     *
     * @throws IOException when another router of that instance runs, or the folder or socket cannot be made
     */
    static ControlServer open(Path dir, String instance, Path scratch, CommandProcessor processor) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        Files.setPosixFilePermissions(dir, OWNER_DIR);
        Path socket = dir.resolve(instance + ".sock");
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                throw new IOException("router instance \"" + instance + "\" is already running (control socket " + socket
                    + "); give this one another --instance NAME");
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("router instance")) {
                    throw e;
                }
                Files.deleteIfExists(socket);
            }
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, OWNER_SOCKET);
        } catch (IOException e) {
            server.close();
            throw new IOException("control socket " + socket + ": " + e.getMessage(), e);
        }
        ControlServer s = new ControlServer(socket, scratch, processor, server);
        s.acceptor.start();
        return s;
    }

    Path socket() {
        return socket;
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> serve(ch), "router-control-client");
                t.setDaemon(true);
                synchronized (running) {
                    if (running.size() >= MAX_CLIENTS) {
                        refuse(ch);
                        continue;
                    }
                    running.add(t);
                }
                t.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "control socket " + socket + ": accept failed", e);
                }
            }
        }
    }

    /** Tells a client beyond {@link #MAX_CLIENTS} to come back later, without reading its request. */
    private void refuse(SocketChannel ch) {
        try (ch) {
            DataOutputStream out = new DataOutputStream(ControlProtocol.output(ch));
            byte[] msg = ("router: busy: " + MAX_CLIENTS + " control clients already connected\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ControlProtocol.writeFrame(out, ControlProtocol.ERR, msg, 0, msg.length);
            ControlProtocol.writeExit(out, 1);
        } catch (IOException e) {
            LOG.log(Level.FINE, "control client went away", e);
        }
    }

    private void serve(SocketChannel ch) {
        Path tmp = null;
        try (ch) {
            InputStream rawIn = ControlProtocol.input(ch);
            ControlProtocol.Request req;
            try {
                req = ControlProtocol.readRequest(new DataInputStream(new BufferedInputStream(rawIn)));
            } catch (IOException e) {
                // a client that only looked whether the router answers, or not a client of ours
                return;
            }
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(ControlProtocol.output(ch)));
            List<String> args = new ArrayList<>(req.args());
            String name = args.get(0);
            if (SCOPES.stream().noneMatch(name::startsWith) || REFUSED.contains(name)) {
                byte[] m = ("conntrack4j: " + name + " is not a command of the running router (ct:*, nft:*, sync:*,"
                    + " router:stats, router:neigh, router:links)\n").getBytes(StandardCharsets.UTF_8);
                ControlProtocol.writeFrame(out, ControlProtocol.ERR, m, 0, m.length);
                ControlProtocol.writeExit(out, 2);
                return;
            }
            if (req.fileArg() >= 0) {
                tmp = Files.createTempFile(scratch, "control-", ".nft");
                Files.write(tmp, req.file());
                args.set(req.fileArg(), tmp.toString());
            }
            // messages name the client's file, not the copy made here
            String[] rename = tmp == null ? null : new String[] {tmp.toString(), req.args().get(req.fileArg())};
            int status = run(args, out, rawIn, rename);
            // the copy goes before the answer ends: a client may look right after
            remove(tmp);
            tmp = null;
            ControlProtocol.writeExit(out, status);
        } catch (IOException e) {
            LOG.log(Level.FINE, "control client went away", e);
        } finally {
            synchronized (running) {
                running.remove(Thread.currentThread());
            }
            remove(tmp);
        }
    }

    private static void remove(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                LOG.fine("control: " + tmp + ": " + e);
            }
        }
    }

    /** Runs the command in a session of its own; its output goes out as frames. Returns its exit status. */
    private int run(List<String> args, DataOutputStream out, InputStream fromClient, String[] rename)
        throws IOException {
        PrintStream o = new PrintStream(new FrameStream(out, ControlProtocol.OUT, null), true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(new FrameStream(out, ControlProtocol.ERR, rename), true, StandardCharsets.UTF_8);
        Thread self = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        // The client closing its end (Ctrl-C on ct:events) interrupts the command. The watcher itself is never
        // interrupted: that would close the channel under the answer (a SocketChannel is interruptible); it ends
        // when the connection closes after the answer, and by then the command is done.
        Thread watch = new Thread(() -> {
            try {
                while (fromClient.read() >= 0) {
                    // a client sends nothing after its request
                }
            } catch (IOException ex) {
                // closed
            }
            if (done.compareAndSet(false, true)) {
                self.interrupt();
            }
        }, "router-control-watch");
        watch.setDaemon(true);
        watch.start();
        try (CommandSession s = processor.createSession(InputStream.nullInputStream(), o, e)) {
            StringBuilder line = new StringBuilder(args.get(0));
            for (int i = 1; i < args.size(); i++) {
                // each argument through a variable: Gogo takes it literally whatever it holds
                s.put("arg" + i, args.get(i));
                line.append(" $arg").append(i);
            }
            Object r = s.execute(line);
            if (r instanceof Number) {
                return ((Number) r).intValue();
            }
            if (r != null) {
                o.println(s.format(r, Converter.INSPECT));
            }
            return 0;
        } catch (Exception ex) {
            if (Thread.interrupted() || ex instanceof InterruptedException) {
                return 130;
            }
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            boolean unknown = ex.getClass().getSimpleName().equals("CommandNotFoundException");
            e.println("conntrack4j: " + (unknown ? "unknown command \"" + args.get(0) + "\"" : msg));
            return unknown ? 2 : 1;
        } finally {
            o.flush();
            e.flush();
            if (!done.compareAndSet(false, true)) {
                // the client went: the watcher interrupted us (or is about to); nobody reads the answer
                Thread.interrupted();
            }
        }
    }

    /**
     * Output of a command as frames of one kind; writes are whole frames, so two streams may share the socket.
     * With {@code rename} ({from, to}), each write has {@code from} replaced by {@code to} (error messages are
     * printed a line at a time).
     */
    private static final class FrameStream extends OutputStream {
        private final DataOutputStream out;
        private final byte kind;
        private final String[] rename;

        FrameStream(DataOutputStream out, byte kind, String[] rename) {
            this.out = out;
            this.kind = kind;
            this.rename = rename;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (rename != null) {
                String t = new String(b, off, len, StandardCharsets.UTF_8);
                if (t.contains(rename[0])) {
                    b = t.replace(rename[0], rename[1]).getBytes(StandardCharsets.UTF_8);
                    off = 0;
                    len = b.length;
                }
            }
            synchronized (out) {
                ControlProtocol.writeFrame(out, kind, b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (out) {
                out.flush();
            }
        }
    }

    /** Stops accepting, interrupts running commands, removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.fine("control: " + e);
        }
        List<Thread> ts;
        synchronized (running) {
            ts = new ArrayList<>(running);
        }
        ts.forEach(Thread::interrupt);
        try {
            acceptor.join(1000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warning("control socket " + socket + " not removed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
