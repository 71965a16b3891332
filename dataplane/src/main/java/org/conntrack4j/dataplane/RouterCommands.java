package org.conntrack4j.dataplane;

import java.io.PrintStream;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The running router's own state: {@code router:stats} (its counters and each device's, {@code NAME value} per
 * line), {@code router:neigh} (its neighbour table, as {@code ip neigh}) and {@code router:links} (its interfaces
 * and their links). Exit status 1 with a message when no router runs in this framework.
 */
@GogoCommand(scope = "router", function = {"stats", "neigh", "links"})
@Component(service = RouterCommands.class)
public final class RouterCommands {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LiveRouter router;

    @Descriptor("the running router's counters and its devices' (one NAME value per line)")
    public int stats(CommandSession session, @Descriptor("--help for usage") String... args) {
        if (usage(session, "router:stats      the running router's counters and its devices' (NAME value per line)",
            args)) {
            return 0;
        }
        Dataplane d = running();
        if (d == null) {
            return notRunning();
        }
        PrintStream out = Output.of(session);
        for (Map.Entry<String, Long> e : d.counters().entrySet()) {
            out.println(e.getKey() + " " + e.getValue());
        }
        return 0;
    }

    @Descriptor("the running router's neighbour table (ip neigh)")
    public int neigh(CommandSession session, @Descriptor("--help for usage") String... args) {
        if (usage(session, "router:neigh      the running router's neighbour table (ip neigh)", args)) {
            return 0;
        }
        Dataplane d = running();
        if (d == null) {
            return notRunning();
        }
        PrintStream out = Output.of(session);
        d.router().neighbours().forEach(out::println);
        return 0;
    }

    @Descriptor("the running router's interfaces and their links")
    public int links(CommandSession session, @Descriptor("--help for usage") String... args) {
        if (usage(session, "router:links      the running router's interfaces and their links", args)) {
            return 0;
        }
        Dataplane d = running();
        if (d == null) {
            return notRunning();
        }
        PrintStream out = Output.of(session);
        d.describe().forEach(out::println);
        return 0;
    }

    /** True when the arguments ask for the usage (then printed); none of these commands takes any other. */
    private static boolean usage(CommandSession session, String text, String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                Output.of(session).println("usage: " + text);
                return true;
            }
        }
        if (args.length > 0) {
            throw new IllegalArgumentException("usage: " + text + " (no arguments)");
        }
        return false;
    }

    private Dataplane running() {
        LiveRouter r = router;
        return r == null ? null : r.dataplane();
    }

    private static int notRunning() {
        System.err.println("conntrack4j: no router runs in this framework (start one with: router --iface ...)");
        return 1;
    }
}
