package org.conntrack4j.replay.soak;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.text.Names;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code soak}: the router and engine of a replay under churning traffic for minutes of real time ({@link Soak}),
 * a row of heap, table and counters per period. Returns 0 done, 2 usage, 4 the soak's ruleset could not be installed
 * (a tracker, NAT or the FTP helper missing).
 */
@GogoCommand(scope = "conntrack4j", function = "soak")
@Component(service = SoakCommand.class)
public final class SoakCommand {
    static final String USAGE = "usage: soak [--minutes N] [--conns PER_SECOND] [--long N] [--report-seconds S]"
        + " [--sysctl NAME=VALUE]...\n";

    @Reference
    ConntrackFactory factory;

    @Reference
    Rulesets rulesets;

    @Descriptor("run the router with churning connections for N minutes, reporting heap, table and counters")
    public int soak(CommandSession session, @Descriptor("[--minutes N] [--conns PER_SECOND] [--long N] "
        + "[--report-seconds S] [--sysctl NAME=VALUE]...") String... args) {
        // the command's own output: a pipe or redirection when there is one (replay ... | grep NEW)
        PrintStream out = Output.of(session);
        Soak.Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.err.print(USAGE);
            return 2;
        }
        out.printf("soak: %.2f minutes, %d sessions/s (TCP, refused TCP, UDP, ICMP echo, FTP with the helper, behind"
            + " masquerade), %d long-lived TCP connections, a row every %.0f s%n", o.minutes, o.conns, o.longLived,
            o.reportSeconds);
        try {
            String summary = new Soak(o, out).run((clock, sysctls) -> factory.create("soak", clock, sysctls, false),
                (net, text) -> rulesets.install(net, "soak.nft", text)::close);
            out.println(summary);
            return 0;
        } catch (RulesetParseException | RulesetInstallException e) {
            System.err.println("soak: " + e.getMessage());
            return 4;
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            System.err.println("soak: " + e);
            return 1;
        }
    }

    /** Every option {@link #parse} takes, for the suggestion when one is mistyped. */
    static final List<String> OPTIONS = List.of("--minutes", "--conns", "--long", "--report-seconds", "--sysctl");

    static Soak.Options parse(String... args) {
        Soak.Options o = new Soak.Options();
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--minutes": o.minutes = number(args, ++i, a, 0, 100_000); break;
                case "--conns": o.conns = (int) number(args, ++i, a, 0, 1_000_000); break;
                case "--long": o.longLived = (int) number(args, ++i, a, 0, 1_000_000); break;
                case "--report-seconds": o.reportSeconds = number(args, ++i, a, 0.1, 86_400); break;
                case "--sysctl": {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--sysctl wants NAME=VALUE, not " + kv);
                    }
                    sysctls.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown argument " + a + Names.suggestion(a, OPTIONS));
            }
        }
        o.sysctls = Map.copyOf(sysctls);
        return o;
    }

    private static double number(String[] args, int i, String opt, double min, double max) {
        String v = value(args, i, opt);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " wants a number, not " + v);
        }
        if (!(d >= min && d <= max)) {
            throw new IllegalArgumentException(opt + " " + v + " outside " + min + ".." + max);
        }
        return d;
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + opt + " needs a value");
        }
        return args[i];
    }
}
