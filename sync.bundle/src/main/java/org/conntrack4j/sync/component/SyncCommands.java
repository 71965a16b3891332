package org.conntrack4j.sync.component;

import org.conntrack4j.command.Output;
import java.io.PrintStream;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.sync.api.SyncControl;
import org.conntrack4j.sync.node.SyncNode;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * conntrackd's requests on the running sync node: {@code sync:commit} ({@code conntrackd -c} and {@code -c expect}
 * in one), {@code sync:flush} ({@code -f}), {@code sync:resync} ({@code -n}), {@code sync:internal} and
 * {@code sync:external} ({@code -i}, {@code -e}, with {@code expect}: the same text), {@code sync:stats}
 * ({@code -s}). In the shell, or from another terminal through the running router's control socket. What they
 * print is the command's output (a pipe gets it). Exit status 1 when no node runs, 2 for a bad argument.
 */
@GogoCommand(scope = "sync", function = {"commit", "flush", "resync", "internal", "external", "stats"})
@Component(service = SyncCommands.class)
public final class SyncCommands {
    private static final String TOOL = "conntrack4j sync";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyncControl control;

    /** The running node, or null after saying why there is none. */
    private SyncComponent node() {
        SyncControl c = control;
        if (c == null) {
            System.err.println(TOOL + ": no sync node runs (configure " + SyncControl.PID + ", or router --sync FILE)");
            return null;
        }
        if (c.error() != null || !(c instanceof SyncComponent)) {
            System.err.println(TOOL + ": " + c.describe());
            return null;
        }
        return (SyncComponent) c;
    }


    private static boolean oneOf(String[] args, String... allowed) {
        if (args.length > 1) {
            return false;
        }
        if (args.length == 0) {
            return true;
        }
        for (String a : allowed) {
            if (a.equals(args[0])) {
                return true;
            }
        }
        return false;
    }

    private static int usage(String cmd, String what) {
        System.err.println(TOOL + ": usage: sync:" + cmd + " " + what);
        return 2;
    }

    @Descriptor("commit the external cache into the table: connections, masters first, then expectations")
    public int commit(CommandSession session, @Descriptor("nothing, ct or expect") String... args) throws Exception {
        if (!oneOf(args, "ct", "expect")) {
            return usage("commit", "[ct|expect]");
        }
        SyncComponent n = node();
        if (n == null) {
            return 1;
        }
        String which = args.length == 0 ? "" : args[0];
        String line = n.call(node -> {
            StringBuilder sb = new StringBuilder();
            if (!which.equals("expect")) {
                SyncNode.CommitResult r = node.commitConnections();
                sb.append("committed ").append(r.ok()).append(" connections, ").append(r.failed()).append(" failed");
            }
            if (!which.equals("ct")) {
                SyncNode.CommitResult r = node.commitExpectations();
                sb.append(sb.length() > 0 ? "; " : "").append("committed ").append(r.ok()).append(" expectations, ")
                    .append(r.failed()).append(" failed");
            }
            return sb.toString();
        });
        PrintStream out = Output.of(session);
        out.println(line);
        out.flush();
        return 0;
    }

    @Descriptor("flush the caches (conntrackd -f)")
    public int flush(@Descriptor("nothing, internal or external") String... args) throws Exception {
        if (!oneOf(args, "internal", "external")) {
            return usage("flush", "[internal|external]");
        }
        SyncComponent n = node();
        if (n == null) {
            return 1;
        }
        String which = args.length == 0 ? "" : args[0];
        n.call(node -> {
            switch (which) {
                case "internal" -> node.flushInternal(true);
                case "external" -> node.flushExternal(true);
                default -> node.flushCaches(true);
            }
            return null;
        });
        return 0;
    }

    @Descriptor("ask the peer to send its whole state again (conntrackd -n)")
    public int resync() throws Exception {
        SyncComponent n = node();
        if (n == null) {
            return 1;
        }
        n.call(node -> {
            node.requestResync();
            return null;
        });
        return 0;
    }

    @Descriptor("the internal cache: our connections, as conntrackd -i prints them")
    public int internal(CommandSession session, @Descriptor("nothing or expect") String... args) throws Exception {
        return dump(session, args, "internal", true);
    }

    @Descriptor("the external cache: the peer's connections, as conntrackd -e prints them")
    public int external(CommandSession session, @Descriptor("nothing or expect") String... args) throws Exception {
        return dump(session, args, "external", false);
    }

    private int dump(CommandSession session, String[] args, String cmd, boolean internal) throws Exception {
        if (!oneOf(args, "ct", "expect")) {
            return usage(cmd, "[ct|expect]");
        }
        SyncComponent n = node();
        if (n == null) {
            return 1;
        }
        boolean exp = args.length == 1 && args[0].equals("expect");
        String text = n.call(node -> internal ? node.dumpInternal(exp) : node.dumpExternal(exp));
        PrintStream out = Output.of(session);
        out.print(text);
        out.flush();
        return 0;
    }

    @Descriptor("statistics, as conntrackd -s prints them")
    public int stats(CommandSession session,
        @Descriptor("nothing, network, cache, rsqueue, queue or expect") String... args) throws Exception {
        if (!oneOf(args, "network", "cache", "rsqueue", "queue", "expect")) {
            return usage("stats", "[network|cache|rsqueue|queue|expect]");
        }
        SyncComponent n = node();
        if (n == null) {
            return 1;
        }
        String which = args.length == 0 ? "" : args[0];
        String text = n.call(node -> switch (which) {
            case "network" -> node.statsNetwork();
            case "cache" -> node.statsCache();
            case "rsqueue" -> node.statsRsQueue();
            case "queue" -> node.statsQueue();
            case "expect" -> node.statsExpect();
            default -> node.stats();
        });
        PrintStream out = Output.of(session);
        out.print(text);
        long lost = n.overruns();
        if (which.isEmpty() && lost > 0) {
            out.println("engine events dropped (sync node too slow): " + lost);
        }
        out.flush();
        return 0;
    }
}
