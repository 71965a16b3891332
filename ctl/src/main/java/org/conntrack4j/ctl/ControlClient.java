package org.conntrack4j.ctl;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code conntrack4j ct:list} and the other commands of a running router, from another process: finds the router's
 * control socket, sends the command line, prints what the router answers and exits with the command's status. No
 * framework starts here: only the JDK's Unix sockets.
 *
 * <pre>
 *   java -cp conntrack4j-ctl.jar org.conntrack4j.ctl.ControlClient DATA_DIR [--instance NAME] COMMAND [ARGS...]
 * </pre>
 * Exit status: the command's; 1 when no router runs (or the named one does not), 2 when several run and none is
 * named, or for a bad command line; 1 when a file to send cannot be read.
 */
public final class ControlClient {
    /** Commands that take a file the client reads for the router: the argument index of the file. */
    private static int fileArgument(List<String> cmd) {
        if (cmd.get(0).equals("nft:load") && cmd.size() >= 2) {
            return 1;
        }
        return -1;
    }

    private ControlClient() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** The client's work, with its streams; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length < 2) {
            err.println("usage: ControlClient DATA_DIR [--instance NAME] COMMAND [ARGS...]");
            return 2;
        }
        Path data = Path.of(argv[0]);
        List<String> cmd = new ArrayList<>();
        String instance = null;
        for (int i = 1; i < argv.length; i++) {
            if (argv[i].equals("--instance")) {
                if (i + 1 >= argv.length || !ControlProtocol.validInstance(argv[i + 1])) {
                    err.println("conntrack4j: --instance needs a name (letters, digits, _ . -)");
                    return 2;
                }
                instance = argv[++i];
            } else {
                cmd.add(argv[i]);
            }
        }
        if (cmd.isEmpty()) {
            err.println("conntrack4j: no command given");
            return 2;
        }
        Found found;
        try {
            found = find(data, instance, err);
        } catch (IOException e) {
            err.println("conntrack4j: " + e.getMessage());
            return 1;
        }
        if (found.socket() == null) {
            return found.status();
        }
        Path socket = found.socket();
        int fileArg = fileArgument(cmd);
        byte[] file = null;
        if (fileArg >= 0) {
            Path f = Path.of(cmd.get(fileArg)).toAbsolutePath();
            try {
                file = ControlProtocol.readFile(f);
            } catch (IOException e) {
                err.println("conntrack4j: " + cmd.get(0) + ": cannot read " + f + ": " + e.getMessage());
                return 1;
            }
            cmd.set(fileArg, f.toString());
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            DataOutputStream o = new DataOutputStream(new BufferedOutputStream(ControlProtocol.output(ch)));
            ControlProtocol.writeRequest(o, new ControlProtocol.Request(cmd, fileArg, file));
            DataInputStream in = new DataInputStream(new BufferedInputStream(ControlProtocol.input(ch)));
            while (true) {
                byte kind = in.readByte();
                if (kind == ControlProtocol.EXIT) {
                    out.flush();
                    err.flush();
                    return in.readInt();
                }
                int len = in.readInt();
                byte[] b = in.readNBytes(len);
                PrintStream to = kind == ControlProtocol.ERR ? err : out;
                to.write(b, 0, b.length);
                to.flush();
            }
        } catch (EOFException e) {
            err.println("conntrack4j: the router (" + socket + ") ended the answer early");
            return 1;
        } catch (IOException e) {
            err.println("conntrack4j: cannot talk to the router at " + socket + ": " + e.getMessage());
            return 1;
        }
    }

    /** The socket to use, or none and the exit status that says why. */
    private record Found(Path socket, int status) {
    }

    /**
     * The socket to use: the named instance's, or the only live one; none (with the reason printed) when there is none
     * (status 1) or several and none was named (status 2).
     */
    private static Found find(Path data, String instance, PrintStream err) throws IOException {
        Path dir = ControlProtocol.socketDir(data);
        if (instance != null) {
            Path s = ControlProtocol.socket(data, instance);
            if (!answers(s)) {
                err.println("conntrack4j: no router instance \"" + instance + "\" is running (no control socket "
                    + s + "); start it with: conntrack4j router --instance " + instance + " ...");
                return new Found(null, 1);
            }
            return new Found(s, 0);
        }
        List<Path> live = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.sock")) {
                for (Path p : ds) {
                    if (answers(p)) {
                        live.add(p);
                    }
                }
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IOException(dir + ": permission denied: the router's control socket is for its owner (and root)");
            }
        }
        if (live.isEmpty()) {
            err.println("conntrack4j: no router is running (no control socket in " + dir
                + "); start one with: conntrack4j router --iface NAME=DEV,ADDR/PREFIX ... --rules RULESET.nft");
            return new Found(null, 1);
        }
        if (live.size() > 1) {
            List<String> names = new ArrayList<>();
            for (Path p : live) {
                String f = p.getFileName().toString();
                names.add(f.substring(0, f.length() - ".sock".length()));
            }
            names.sort(null);
            err.println("conntrack4j: several routers are running (" + String.join(", ", names)
                + "): name one with --instance NAME");
            return new Found(null, 2);
        }
        return new Found(live.get(0), 0);
    }

    /** Does something listen on this socket file? A file left by a router that was killed does not. */
    private static boolean answers(Path socket) throws IOException {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (java.net.SocketException e) {
            if (e.getMessage() != null && e.getMessage().contains("ermission")) {
                throw new IOException(socket + ": permission denied: the router's control socket is for its owner"
                    + " (and root)");
            }
            return false;
        }
    }
}
