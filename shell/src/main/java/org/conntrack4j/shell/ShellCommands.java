package org.conntrack4j.shell;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;

/**
 * {@code exit [STATUS]} and {@code logout}, as Karaf's shell has them: the interactive shell ends after the command
 * and the process with the status (0 by default), the live configuration going with it as on Ctrl-D. In a session
 * that is not the interactive shell's (one command from the command line, a client of the control socket) they only
 * return the status. Ranked above any {@code exit} another bundle may add (Gogo's profiles once added System.exit).
 *
 * <p>Also {@code serve}, the service mode's one command (the process runs until it is stopped), and
 * {@code completions}, which the shell's profile calls to offer each command's options on Tab.
 */
@GogoCommand(scope = "shell", function = {"exit", "logout", "serve", "completions"})
@Component(service = ShellCommands.class, property = "service.ranking:Integer=100")
public final class ShellCommands {
    @Descriptor("leave the shell (exit status 0)")
    public int exit(CommandSession session) {
        return exit(session, 0);
    }

    @Descriptor("leave the shell with this exit status")
    public int exit(CommandSession session, @Descriptor("exit status, 0-255") int status) {
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit: status " + status + " outside 0..255");
        }
        if (session.get(Gosh.ENDING) instanceof Gosh.Ending e) {
            e.end(status);
        }
        return status;
    }

    @Descriptor("leave the shell (as exit)")
    public int logout(CommandSession session) {
        return exit(session, 0);
    }

    @Descriptor("run without a console until the process is stopped (SIGTERM): the service mode")
    public void serve() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    @Descriptor("offer the options of the ct: commands on Tab (the shell's profile runs it)")
    public void completions(CommandSession session) {
        Map<String, String> usages = new TreeMap<>();
        for (String command : CtUsage.commands()) {
            usages.put("ct:" + command, CtUsage.of(command));
        }
        Gosh.completeOptions(session, usages);
    }
}
