package org.conntrack4j.shell;

import java.io.PrintStream;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.LabelMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The commands that write the live engine's table: {@code ct:create} ({@code conntrack -I}) and {@code ct:update}
 * ({@code conntrack -U}), with conntrack 1.4.7's options, words and output.
 */
@GogoCommand(scope = "ct", function = {"create", "update"})
@Component(service = CtChangeCommands.class)
public final class CtChangeCommands {
    static final String TOOL = "conntrack v1.4.7 (conntrack4j)";

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Descriptor("create a connection (conntrack -I): -s -d [-r -q] -p PROTO (--sport --dport [--reply-port-src"
        + " --reply-port-dst] | --icmp-type --icmp-code [--icmp-id]) [--state S] -t SECONDS [-u STATUS] [-m MARK]"
        + " [--zone Z|--orig-zone Z|--reply-zone Z] [--label-add L]")
    public void create(CommandSession session, @Descriptor("conntrack -I's options") String... args) {
        if (CtUsage.printed(session, "create", args)) {
            return;
        }
        CtChange o = CtChange.create(args);
        LabelMap labels = o.given.containsKey("label-add") ? CtFilter.labelMap() : null;
        int r = net.table().create(o.newConnection(labels));
        switch (r) {
            case NewConnection.CREATED:
                System.err.println(TOOL + ": 1 flow entries have been created.");
                return;
            case NewConnection.EXISTS:
                throw new IllegalStateException(TOOL + ": Operation failed: Such conntrack exists, try -U to update");
            case NewConnection.TABLE_FULL:
                throw new IllegalStateException(TOOL + ": Operation failed: not enough memory");
            default:
                throw new IllegalStateException(TOOL + ": Operation failed: invalid parameters");
        }
    }

    @Descriptor("change the connections the addresses, protocol and ports select (conntrack -U): -m VALUE[/MASK],"
        + " -u STATUS, -t SECONDS, --label-add L, --label-del [L]; each changed entry is printed as ct:get prints it")
    public void update(CommandSession session, @Descriptor("conntrack -U's options") String... args) {
        if (CtUsage.printed(session, "update", args)) {
            return;
        }
        CtChange o = CtChange.update(args);
        boolean needMap = o.labels || o.given.containsKey("label") || o.given.containsKey("label-add")
            || o.given.containsKey("label-del") && !o.given.get("label-del").isEmpty();
        LabelMap labels = needMap ? CtFilter.labelMap() : null;
        // conntrack prints labels whenever it loaded its label map, for -o labels or for a label option
        LabelMap shown = needMap ? labels : null;
        Predicate<Connection> p = o.selection(labels);
        PrintStream out = Output.of(session);
        int n = 0;
        for (Connection c : net.table().connections(p)) {
            ConnectionSnapshot before = net.table().snapshot(c);
            ConnectionUpdate u = change(o, c, before, labels);
            if (u == null) {
                // conntrack sends nothing for an entry the options would not change, and does not count it
                continue;
            }
            int r = net.table().update(c, u);
            if (r == ConnectionUpdate.GONE) {
                continue;
            }
            if (r == ConnectionUpdate.REFUSED) {
                // conntrack says so, then still reads the entry back, prints it and counts it
                System.err.println("Operation failed: Device or resource busy");
            }
            ConnectionSnapshot s = held(net.table().snapshot(c));
            out.println(o.xml ? CtFormat.xmlFlow(s, shown) : CtFormat.listLine(s, o.extended, o.showId, shown));
            n++;
        }
        out.flush();
        if (n == 0) {
            throw new IllegalStateException(TOOL + ": 0 flow entries have been updated.");
        }
        System.err.println(TOOL + ": " + n + " flow entries have been updated.");
    }

    /** What the options change on {@code c}, or null when they change nothing (conntrack's {@code nfct_cmp}). */
    private static ConnectionUpdate change(CtChange o, Connection c, ConnectionSnapshot before, LabelMap labels) {
        ConnectionUpdate u = ConnectionUpdate.NONE;
        boolean changed = false;
        if (o.given.containsKey("mark")) {
            int[] vm = o.mark();
            int nm = (c.mark() & ~vm[1]) ^ vm[0];
            if (nm != c.mark()) {
                u = u.withMark(vm[0], vm[1]);
                changed = true;
            }
        }
        if (o.given.containsKey("status")) {
            int bits = CtFilter.status(o.given.get("status"))[0];
            if ((c.status() | bits) != c.status()) {
                u = u.withStatus(bits);
                changed = true;
            }
        }
        long t = o.timeoutSeconds();
        if (t >= 0 && t != before.timeoutSeconds()) {
            u = u.withTimeout(t);
            changed = true;
        }
        if (o.given.containsKey("label-add")) {
            long[] b = CtChange.labelBits(o.given.get("label-add"), labels);
            if ((c.labelsLo() & b[0]) != b[0] || (c.labelsHi() & b[1]) != b[1]) {
                u = u.withLabels(b[0], b[1], b[0], b[1]);
                changed = true;
            }
        } else if (o.given.containsKey("label-del")) {
            String names = o.given.get("label-del");
            long[] b = names.isEmpty() ? new long[] {-1L, -1L} : CtChange.labelBits(names, labels);
            if ((c.labelsLo() & b[0]) != 0 || (c.labelsHi() & b[1]) != 0) {
                u = u.withLabels(0, 0, b[0], b[1]);
                changed = true;
            }
        }
        return changed ? u : null;
    }

    /**
     * A snapshot as ctnetlink answers a get: with the reference the lookup holds counted in {@code use=} (conntrack
     * printed use=2 for an entry {@code -L} shows with use=1).
     */
    static ConnectionSnapshot held(ConnectionSnapshot s) {
        return s.withUse(s.use() + 1);
    }
}
