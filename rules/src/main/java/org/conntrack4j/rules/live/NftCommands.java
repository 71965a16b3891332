package org.conntrack4j.rules.live;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.NftJson;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * nft for the default engine: {@code nft:list} ({@code nft list ruleset}, with live counters; {@code -j} for
 * {@code nft -j list ruleset}), {@code nft:load FILE}
 * ({@code nft -f FILE}, replacing the ruleset in force), {@code nft:flush} ({@code nft flush ruleset}) and
 * {@code nft:nat} (the NAT rules in force and the connections each bound). Errors are thrown with the
 * {@code FILE:LINE:COLUMN: ...} message, which the shell prints.
 */
@GogoCommand(scope = "nft", function = {"list", "load", "flush", "nat"})
@Component(service = NftCommands.class)
public final class NftCommands {
    @Reference
    LiveRuleset live;

    @Descriptor("list the ruleset in force (nft list ruleset), with live counters; -j/--json as nft -j does")
    public void list(CommandSession session, @Descriptor("-j or --json for JSON, --help for usage") String... args) {
        String text = "nft:list [-j|--json]      the ruleset in force (nft list ruleset), with live counters;"
            + " -j: as nft -j list ruleset prints it";
        boolean json = args.length == 1 && (args[0].equals("-j") || args[0].equals("--json"));
        if (usage(session, text, json ? new String[0] : args, 0)) {
            return;
        }
        InstalledRuleset rs = live.current();
        PrintStream out = Output.of(session);
        if (json) {
            out.println(NftJson.of(rs != null ? rs.liveRuleset() : new Ruleset(List.of())));
        } else if (rs != null) {
            out.print(rs.listing());
        }
        out.flush();
    }

    @Descriptor("load an nft file into the default engine, replacing the ruleset in force (nft -f FILE)")
    public void load(CommandSession session, @Descriptor("ruleset file (or --help)") String... args)
        throws IOException, RulesetParseException, RulesetInstallException {
        if (usage(session, "nft:load FILE      replace the ruleset in force with FILE's, atomically (nft -f FILE)",
            args, 1)) {
            return;
        }
        Ruleset rs = NftParser.parse(Path.of(args[0]));
        live.replace(rs);
    }

    @Descriptor("remove the ruleset in force (nft flush ruleset)")
    public void flush(CommandSession session, @Descriptor("--help for usage") String... args) {
        if (usage(session, "nft:flush      remove the ruleset in force (nft flush ruleset)", args, 0)) {
            return;
        }
        live.flush();
    }

    @Descriptor("list the NAT rules in force and which connections they bound")
    public void nat(CommandSession session, @Descriptor("--help for usage") String... args) {
        if (usage(session, "nft:nat      the NAT rules in force and which connections each bound", args, 0)) {
            return;
        }
        PrintStream out = Output.of(session);
        out.print(NftRulesets.natListing(live.net(), live.current()));
        out.flush();
    }

    /**
     * True when the arguments ask for the usage ({@code --help}, {@code -h}), which is then printed; otherwise
     * checks that there are {@code count} arguments.
     */
    private static boolean usage(CommandSession session, String text, String[] args, int count) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                Output.of(session).println("usage: " + text);
                return true;
            }
        }
        if (args.length != count) {
            throw new IllegalArgumentException("usage: " + text);
        }
        return false;
    }
}
