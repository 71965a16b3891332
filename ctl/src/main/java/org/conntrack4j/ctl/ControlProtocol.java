package org.conntrack4j.ctl;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket's protocol, between a running router and a client in another process.
 *
 * <p>Where: a Unix socket file {@code NAME.sock} (NAME the instance, {@code default} unless given) in the folder
 * {@code run/} of the distribution's data folder, the folder made with mode 0700 and the socket with 0600: only
 * its owner (and root) reaches it. A file rather than an abstract socket, so that a client in any network namespace
 * finds it.
 *
 * <p>What: the client sends one request, {@code "CT4J"}, version 1, the argument count and the arguments (modified
 * UTF-8, as {@link DataOutputStream#writeUTF}), then the index of an argument whose file the client read for the
 * server (-1 for none) and, if any, the file's length and bytes: {@code nft:load FILE} names a file in the client's
 * folder, which the server may not see. The server answers with frames, a kind byte then: {@link #OUT} and
 * {@link #ERR} a length and bytes of the command's output, {@link #EXIT} the exit status, last. The client keeps the
 * connection open until the answer ends; closing it earlier (Ctrl-C on {@code ct:events}) stops the command.
 */
public final class ControlProtocol {
    public static final int MAGIC = 0x43_54_34_4a;
    public static final int VERSION = 1;
    public static final byte OUT = 'O';
    public static final byte ERR = 'E';
    public static final byte EXIT = 'X';
    /** The instance a router is when none is named. */
    public static final String DEFAULT_INSTANCE = "default";
    /** The largest file a request carries. */
    public static final int MAX_FILE = 16 << 20;
    /** The most characters of a request's arguments, all together. */
    private static final int MAX_ARGS_CHARS = 1 << 20;

    private ControlProtocol() {
    }

    /** One request: the command line, and the bytes of the file named by argument {@code fileArg} (or -1). */
    public record Request(List<String> args, int fileArg, byte[] file) {
    }

    /** The folder of the control sockets for a data folder. */
    public static Path socketDir(Path data) {
        return data.resolve("run");
    }

    /** The socket of an instance. */
    public static Path socket(Path data, String instance) {
        return socketDir(data).resolve(instance + ".sock");
    }

    /** Is it a usable instance name (it names a file)? */
    public static boolean validInstance(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    }

    public static void writeRequest(DataOutputStream out, Request r) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(r.args().size());
        for (String a : r.args()) {
            out.writeUTF(a);
        }
        out.writeInt(r.fileArg());
        if (r.fileArg() >= 0) {
            out.writeInt(r.file().length);
            out.write(r.file());
        }
        out.flush();
    }

    /** @throws IOException for anything that is not a well-formed request of this version */
    public static Request readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a conntrack4j control request");
        }
        int v = in.readInt();
        if (v != VERSION) {
            throw new IOException("control protocol version " + v + " (this router speaks " + VERSION + ")");
        }
        int n = in.readInt();
        if (n < 1 || n > 4096) {
            throw new IOException("bad argument count " + n);
        }
        List<String> args = new ArrayList<>(n);
        long chars = 0;
        for (int i = 0; i < n; i++) {
            String a = in.readUTF();
            chars += a.length();
            if (chars > MAX_ARGS_CHARS) {
                throw new IOException("arguments longer than " + MAX_ARGS_CHARS + " characters");
            }
            args.add(a);
        }
        int fileArg = in.readInt();
        byte[] file = null;
        if (fileArg >= 0) {
            int len = in.readInt();
            if (fileArg >= n || len < 0 || len > MAX_FILE) {
                throw new IOException("bad file in request");
            }
            file = in.readNBytes(len);
            if (file.length != len) {
                throw new EOFException("request ends inside its file");
            }
        }
        return new Request(List.copyOf(args), fileArg, file);
    }

    /** Writes one output frame. */
    public static void writeFrame(DataOutputStream out, byte kind, byte[] b, int off, int len) throws IOException {
        out.writeByte(kind);
        out.writeInt(len);
        out.write(b, off, len);
    }

    public static void writeExit(DataOutputStream out, int status) throws IOException {
        out.writeByte(EXIT);
        out.writeInt(status);
        out.flush();
    }

    /** Reads a whole file for a request, or throws naming it. */
    public static byte[] readFile(Path p) throws IOException {
        if (Files.size(p) > MAX_FILE) {
            throw new IOException(p + ": larger than " + (MAX_FILE >> 20) + " MiB");
        }
        return Files.readAllBytes(p);
    }

    /**
     * A stream reading the channel directly. The JDK's {@code Channels.newInputStream} and {@code newOutputStream}
     * take the channel's blocking lock, so that a thread blocked reading would hold up another writing; these do not.
     */
    public static InputStream input(ByteChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** A stream writing to the channel directly (see {@link #input}). */
    public static OutputStream output(ByteChannel ch) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
        };
    }

    /** Text of the frames' bytes. */
    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
