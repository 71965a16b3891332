package org.conntrack4j.command;

import java.io.PrintStream;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Process;

/**
 * Where a Gogo command prints: its own standard output (a pipe into the next command, a redirection), not the
 * console. The one place for it: every bundle with commands gets a private copy of this package (bnd.bnd).
 */
public final class Output {
    private Output() {
    }

    /**
     * The output of the command running on this thread ({@code ct:trackers | grep udp} hands it to {@code grep});
     * the session's console when no Gogo pipeline runs the call (a direct call from a test).
     */
    public static PrintStream of(CommandSession session) {
        Process p = Process.Utils.current();
        return p != null ? p.out() : session.getConsole();
    }
}
