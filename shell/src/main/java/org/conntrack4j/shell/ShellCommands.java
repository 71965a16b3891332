package org.conntrack4j.shell;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;

/**
 * {@code exit [STATUS]} and {@code logout}, as Karaf's shell has them: the interactive shell ends after the command
 * and the process with the status (0 by default), the live configuration going with it as on Ctrl-D. In a session
 * without a keyboard of ours (one command from the command line, a client of the control socket) they only return
 * the status. Ranked above the {@code system:exit} (System.exit) that Gogo's profile adds, which an unqualified
 * {@code exit} found before.
 */
@GogoCommand(scope = "shell", function = {"exit", "logout"})
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
        if (session.getKeyboard() instanceof Keyboard k) {
            k.end(status);
        }
        return status;
    }

    @Descriptor("leave the shell (as exit)")
    public int logout(CommandSession session) {
        return exit(session, 0);
    }
}
