package org.conntrack4j.rules.live;

import java.io.PrintStream;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Process;

/** Where a command prints: its own standard output (a pipe into the next command, a redirection), not the console. */
final class Output {
    private Output() {
    }

    /**
     * The output of the command running on this thread ({@code ct:trackers | grep udp} hands it to {@code grep});
     * the session's console when no Gogo pipeline runs the call (a direct call from a test).
     */
    static PrintStream of(CommandSession session) {
        Process p = Process.Utils.current();
        return p != null ? p.out() : session.getConsole();
    }
}
