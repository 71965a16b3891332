package org.conntrack4j.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.PluginInfo;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code bench} command ({@code ./conntrack4j bench}): runs the workloads of BENCH.md on engines made by
 * the framework's {@link ConntrackFactory}, so with the trackers (and NAT) installed in it, each engine with
 * its own fixed clock. Prints the tables on the command's output (a pipe gets them); returns 0, 1 when a check failed, 2 for a
 * bad command line.
 */
@GogoCommand(scope = "conntrack4j", function = "bench")
@Component(service = BenchCommand.class)
public final class BenchCommand {
    @Reference
    ConntrackFactory factory;

    /** Runs the {@code replay} command for workload replay. */
    @Reference
    CommandProcessor processor;

    @Descriptor("run the benchmarks (BENCH.md workloads A, B, C); --help for the options")
    public int bench(CommandSession session, @Descriptor("options") String... args) {
        // the command's own output, so that a pipe (bench | grep) gets the tables
        PrintStream out = Output.of(session);
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("bench: " + e.getMessage());
            out.print(BenchOptions.USAGE);
            return 2;
        }
        if (o.help) {
            out.print(BenchOptions.USAGE);
            return 0;
        }
        if (o.workloads.remove(BenchOptions.REPLAY)) {
            int status = WorkloadReplay.run(processor, out, o);
            if (o.workloads.isEmpty() || status != 0) {
                return status;
            }
        }
        List<String> missing = new ArrayList<>();
        String udp = tracker(IpProto.UDP);
        String tcp = tracker(IpProto.TCP);
        if (udp == null && (o.workloads.contains('A') || o.workloads.contains('B') || o.workloads.contains('C'))) {
            missing.add("udp");
        }
        if (tcp == null && (o.workloads.contains('C') || o.workloads.contains(BenchOptions.SYNC))) {
            missing.add("tcp");
        }
        if (!missing.isEmpty()) {
            out.println("bench: no tracker installed for " + String.join(", ", missing));
            return 1;
        }
        // NAT is looked for when its workload runs: a NAT bundle dropped in may arrive after the command started.
        String platform = "engines from the framework's ConntrackFactory: udp tracker from " + udp + ", tcp tracker from "
            + (tcp == null ? "(none)" : tcp) + ", extensions at start: " + extensionNames();
        return new Bench((name, clock, settings) -> factory.create(name, clock, settings, false), out, platform).run(o);
    }

    private String extensionNames() {
        List<String> names = new ArrayList<>();
        for (PluginInfo p : factory.extensions()) {
            names.add(p.name() + " (" + p.bundle() + ")");
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    /** The bundle serving {@code proto} for IPv4, or null when only the generic tracker would. */
    private String tracker(int proto) {
        for (PluginInfo p : factory.trackers()) {
            if (p.protocol() == proto && p.active() && p.families().contains("ipv4")) {
                return p.bundle();
            }
        }
        return null;
    }
}
