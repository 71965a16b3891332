package org.conntrack4j.shell;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The interactive shell's standard input, which {@code exit}/{@code logout} can end: once ended it reads as end of
 * file, so Gogo's console leaves its loop after the command as it does on Ctrl-D, and the process ends with the
 * status given. The commands find it as their session's keyboard ({@code gosh}'s session shares its parent's).
 */
final class Keyboard extends FilterInputStream {
    private volatile boolean ended;
    private volatile int status;

    Keyboard(InputStream in) {
        super(in);
    }

    /** Ends the shell after the command running now, with this exit status. */
    void end(int exitStatus) {
        status = exitStatus;
        ended = true;
    }

    boolean ended() {
        return ended;
    }

    int status() {
        return status;
    }

    @Override
    public int read() throws IOException {
        return ended ? -1 : super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return ended ? -1 : super.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
        return ended ? 0 : super.available();
    }
}
