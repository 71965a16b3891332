package org.conntrack4j.shell;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.CtJson;
import org.conntrack4j.core.text.LabelMap;
import org.conntrack4j.core.text.Names;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;

/**
 * conntrack-tools for the live engine, in its formats: {@code ct:list} ({@code conntrack -L}), {@code ct:get}
 * ({@code -G}), {@code ct:count} ({@code -C}), {@code ct:expect} ({@code -L expect}), {@code ct:events} ({@code -E}), {@code ct:stats} ({@code -S}),
 * {@code ct:delete} ({@code -D}), {@code ct:flush} ({@code -F}); and what Linux shows elsewhere: the trackers,
 * helpers and extensions plugged in ({@code ct:trackers}), the sysctls ({@code ct:sysctl}), the hook chains
 * ({@code ct:hooks}).
 */
@GogoCommand(scope = "ct", function = {"list", "get", "count", "expect", "events", "stats", "delete", "flush", "trackers",
    "sysctl", "hooks"})
@Component(service = CtCommands.class)
public final class CtCommands {
    private static final String TOOL = "conntrack v1.4.7 (conntrack4j)";

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Reference
    ConntrackFactory factory;

    /** Bundles that cannot resolve, listed by ct:trackers (absent in tests that build the commands by hand). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL)
    Unresolved unresolved;

    @Descriptor("list connections (conntrack -L): -o extended,id,labels,xml (or json: one object per line); filters -s -d -r -q -p --sport --dport"
        + " -m VALUE[/MASK] -u STATUS --zone --orig-zone --reply-zone -p tcp|sctp --state -f")
    public void list(CommandSession session, @Descriptor("options and filters") String... args) {
        if (CtUsage.printed(session, "list", args)) {
            return;
        }
        CtFilter f = CtFilter.parse(args);
        LabelMap labels = f.labels ? CtFilter.labelMap() : null;
        List<ConnectionSnapshot> l = f.keep(net.table().list(f.predicate()));
        PrintStream out = Output.of(session);
        if (f.json) {
            if (f.xml) {
                throw new IllegalArgumentException("-o json and -o xml exclude each other");
            }
            for (ConnectionSnapshot s : l) {
                out.println(CtJson.flow(s));
            }
            out.flush();
            System.err.println(TOOL + ": " + l.size() + " flow entries have been shown.");
            return;
        }
        // conntrack prints the XML document only around flows: nothing at all for none
        if (f.xml && !l.isEmpty()) {
            out.println(CtFormat.XML_HEADER);
        }
        for (ConnectionSnapshot s : l) {
            out.println(f.xml ? CtFormat.xmlFlow(s, labels)
                : CtFormat.listLine(s, f.extended, f.showId, labels, f.ktimestamp));
        }
        if (f.xml && !l.isEmpty()) {
            out.println(CtFormat.XML_FOOTER);
        }
        Output.of(session).flush();
        System.err.println(TOOL + ": " + l.size() + " flow entries have been shown.");
    }

    @Descriptor("show one connection by its original tuple (conntrack -G): -s -d -p --sport --dport [--zone] [-o ...]")
    public void get(CommandSession session, @Descriptor("the original tuple, output options") String... args) {
        if (CtUsage.printed(session, "get", args)) {
            return;
        }
        CtFilter f = CtFilter.parse(args);
        if (f.json) {
            throw new IllegalArgumentException("-o json goes with ct:list only");
        }
        Predicate<Connection> p = f.tuple();
        LabelMap labels = f.labels ? CtFilter.labelMap() : null;
        // a lookup of the tuple in its zone (nf_conntrack_find_get): the original direction's zone, 0 by default
        int zone = f.zone();
        List<ConnectionSnapshot> l = net.table().list(c -> p.test(c) && c.zoneId(Direction.ORIGINAL) == zone);
        if (l.isEmpty()) {
            throw new IllegalStateException(TOOL + ": Operation failed: such conntrack doesn't exist");
        }
        PrintStream out = Output.of(session);
        ConnectionSnapshot s = l.get(0);
        ConnectionSnapshot held = CtChangeCommands.held(s);
        if (f.xml) {
            out.println(CtFormat.XML_HEADER);
            out.println(CtFormat.xmlFlow(held, labels));
            out.println(CtFormat.XML_FOOTER);
        } else {
            out.println(CtFormat.listLine(held, f.extended, f.showId, labels, f.ktimestamp));
        }
        out.flush();
        System.err.println(TOOL + ": 1 flow entries have been shown.");
    }

    @Descriptor("print how many connections there are (conntrack -C)")
    public void count(CommandSession session, @Descriptor("none: conntrack -C takes no option") String... args) {
        if (CtUsage.printed(session, "count", args)) {
            return;
        }
        if (args.length > 0) {
            throw new IllegalArgumentException("Illegal option `" + args[0] + "' with this command");
        }
        Output.of(session).println(net.table().count());
        Output.of(session).flush();
    }

    @Descriptor("list expectations (conntrack -L expect)")
    public void expect(CommandSession session, @Descriptor("none (--help: usage)") String... args) {
        if (CtUsage.printed(session, "expect", args)) {
            return;
        }
        if (args.length > 0) {
            throw new IllegalArgumentException("ct:expect takes no option (" + args[0] + ")");
        }
        List<ExpectationSnapshot> l = net.table().expectations();
        for (ExpectationSnapshot x : l) {
            Output.of(session).println(CtFormat.expectation(x));
        }
        System.err.println(TOOL + ": " + l.size() + " expectations have been shown.");
    }

    @Descriptor("follow events (conntrack -E, or conntrack -E expect with 'expect') until interrupted, or -n COUNT /"
        + " -t SECONDS: -o extended,timestamp,id,labels,xml,ktimestamp; -e NEW,UPDATES,DESTROY; -b BYTES")
    public void events(CommandSession session,
        @Descriptor("[expect] -o OPTIONS, -e EVENTS, -n COUNT, -t SECONDS, -b BUFFER_BYTES") String... args)
        throws InterruptedException {
        if (CtUsage.printed(session, "events", args)) {
            return;
        }
        new CtEvents(net).run(session, args);
    }

    @Descriptor("show statistics: conntrack -S (its cpu line, one engine being one CPU), conntrack -S expect with"
        + " 'expect'; with 'invalid', conntrack4j's invalid packets per reason and the table's sizes")
    public void stats(CommandSession session, @Descriptor("nothing, expect or invalid") String... args) {
        if (CtUsage.printed(session, "stats", args)) {
            return;
        }
        PrintStream out = Output.of(session);
        String what = args.length == 0 ? "" : args[0];
        if (args.length > 1 || !what.isEmpty() && !what.equals("expect") && !what.equals("invalid")) {
            throw new IllegalArgumentException("ct:stats takes nothing, expect or invalid");
        }
        if (what.equals("invalid")) {
            out.println("entries=" + net.table().count() + " expectations=" + net.stats().expectCount()
                + " events_lost=" + net.stats().eventsLost());
            for (Map.Entry<String, Long> r : net.stats().invalidByReason().entrySet()) {
                out.println("invalid reason=\"" + r.getKey() + "\" count=" + r.getValue());
            }
        } else {
            // conntrack's line: the CPU padded to 4, a tab, then each counter followed by a blank, the last too
            StringBuilder sb = new StringBuilder("cpu=0   \t");
            for (Map.Entry<String, Long> c : net.stats().counters().entrySet()) {
                if (c.getKey().startsWith("expect_") == what.equals("expect")) {
                    sb.append(c.getKey()).append('=').append(c.getValue()).append(' ');
                }
            }
            out.println(sb);
        }
        out.flush();
    }

    @Descriptor("delete connections matching the filters (conntrack -D), printing each as ct:list would")
    public void delete(CommandSession session, @Descriptor("the filters and output options of ct:list") String... args) {
        if (CtUsage.printed(session, "delete", args)) {
            return;
        }
        CtFilter f = CtFilter.parse(args);
        if (f.json) {
            throw new IllegalArgumentException("-o json goes with ct:list only");
        }
        Predicate<Connection> p = f.predicate();
        if (p == null) {
            throw new IllegalArgumentException("ct:delete needs a filter (use ct:flush to delete everything)");
        }
        // conntrack dumps what passes the filters, then deletes each: it prints the entries as they were, without
        // labels or timestamps whatever -o says (its delete callback prints without the label map)
        Map<Integer, ConnectionSnapshot> listed = new java.util.LinkedHashMap<>();
        for (ConnectionSnapshot s : f.keep(net.table().list(p))) {
            listed.put(s.id(), s);
        }
        Set<Integer> deleted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int n = net.table().delete(c -> {
            boolean hit = p.test(c) && listed.containsKey(c.id());
            if (hit) {
                deleted.add(c.id());
            }
            return hit;
        });
        PrintStream out = Output.of(session);
        for (ConnectionSnapshot s : listed.values()) {
            if (deleted.contains(s.id())) {
                // the flows alone, without the XML document around them, as conntrack -D -o xml prints them
                out.println(f.xml ? CtFormat.xmlFlow(s, null) : CtFormat.listLine(s, f.extended, f.showId, null));
            }
        }
        out.flush();
        if (n == 0) {
            throw new IllegalStateException(TOOL + ": 0 flow entries have been deleted.");
        }
        System.err.println(TOOL + ": " + n + " flow entries have been deleted.");
    }

    @Descriptor("delete every connection (conntrack -F), or every expectation with 'expect'")
    public int flush(CommandSession session, @Descriptor("nothing, or expect") String... args) {
        if (CtUsage.printed(session, "flush", args)) {
            return 0;
        }
        if (args.length > 0 && args[0].equals("expect")) {
            net.table().deleteExpectations(null);
            System.err.println(TOOL + ": expectation table has been emptied.");
            return 0;
        }
        net.table().delete(null);
        System.err.println(TOOL + ": connection tracking table has been emptied.");
        return 0;
    }

    @Descriptor("which tracker serves which protocol, from which bundle; helpers and extensions")
    public void trackers(CommandSession session, @Descriptor("none (--help: usage)") String... args) {
        if (CtUsage.printed(session, "trackers", args)) {
            return;
        }
        if (args.length > 0) {
            throw new IllegalArgumentException("ct:trackers takes no option (" + args[0] + ")");
        }
        PrintStream out = Output.of(session);
        out.printf("%-6s %-9s %-10s %-8s %s%n", "proto", "tracker", "families", "state", "bundle");
        for (PluginInfo p : factory.trackers()) {
            out.printf("%-6s %-9s %-10s %-8s %s%n", p.protocol() < 0 ? "*" : Integer.toString(p.protocol()), p.name(),
                p.families(), p.active() ? "active" : "standby", p.bundle());
        }
        for (PluginInfo p : factory.helpers()) {
            out.printf("helper %-9s proto %-3d %-10s %-8s %s%n", p.name(), p.protocol(), p.families(),
                p.active() ? "active" : "standby", p.bundle());
        }
        for (PluginInfo p : factory.extensions()) {
            out.printf("extension %-12s %s%n", p.name(), p.bundle());
        }
        Unresolved u = unresolved;
        if (u != null) {
            u.problems().forEach((bundle, why) -> out.println("unresolved " + bundle + ": " + why));
        }
    }

    @Descriptor("show settings (sysctl net.netfilter, net.ipv4.ipfrag_*), one setting, or set one: ct:sysctl NAME VALUE")
    public void sysctl(CommandSession session, @Descriptor("[NAME [VALUE]]") String... args) {
        if (CtUsage.printed(session, "sysctl", args)) {
            return;
        }
        PrintStream out = Output.of(session);
        if (args.length == 0) {
            for (Map.Entry<String, Long> s : net.settings().active().entrySet()) {
                out.println(Names.sysctl(s.getKey()) + " = " + s.getValue());
            }
            return;
        }
        SettingKey key = net.settings().key(args[0]);
        if (key == null) {
            String closest = Names.suggestion(Names.setting(args[0]), net.settings().active().keySet());
            throw new IllegalArgumentException("unknown setting " + args[0].trim()
                + (closest.isEmpty() ? " (no registered plug-in declares it)" : closest));
        }
        String name = key.name();
        if (args.length >= 2) {
            long v;
            try {
                v = Long.parseLong(args[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": not a number: " + args[1]);
            }
            net.settings().set(name, v);
        }
        out.println(Names.sysctl(name) + " = " + net.settings().get(name));
    }

    @Descriptor("show the hook chains (family ipv4 or ipv6)")
    public void hooks(CommandSession session, @Descriptor("ipv4|ipv6") String... args) {
        if (CtUsage.printed(session, "hooks", args)) {
            return;
        }
        int fam = args.length > 0 && args[0].equals("ipv6") ? Family.IPV6 : Family.IPV4;
        for (String h : net.packets().describeHooks(fam)) {
            Output.of(session).println(h);
        }
    }
}
