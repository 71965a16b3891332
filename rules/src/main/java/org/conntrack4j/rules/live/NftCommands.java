package org.conntrack4j.rules.live;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * nft for the default engine: {@code nft:list} ({@code nft list ruleset}, with live counters), {@code nft:load FILE}
 * ({@code nft -f FILE}, replacing the ruleset in force), {@code nft:flush} ({@code nft flush ruleset}) and
 * {@code nft:nat} (the NAT rules in force and the connections each bound). Errors are thrown with the
 * {@code FILE:LINE:COLUMN: ...} message, which the shell prints.
 */
@GogoCommand(scope = "nft", function = {"list", "load", "flush", "nat"})
@Component(service = NftCommands.class)
public final class NftCommands {
    @Reference
    LiveRuleset live;

    @Descriptor("list the ruleset in force (nft list ruleset), with live counters")
    public void list(CommandSession session) {
        InstalledRuleset rs = live.current();
        PrintStream out = Output.of(session);
        if (rs != null) {
            out.print(rs.listing());
        }
        out.flush();
    }

    @Descriptor("load an nft file into the default engine, replacing the ruleset in force (nft -f FILE)")
    public void load(CommandSession session, @Descriptor("ruleset file") String file)
        throws IOException, RulesetParseException, RulesetInstallException {
        Ruleset rs = NftParser.parse(Path.of(file));
        live.replace(rs);
    }

    @Descriptor("remove the ruleset in force (nft flush ruleset)")
    public void flush(CommandSession session) {
        live.flush();
    }

    @Descriptor("list the NAT rules in force and which connections they bound")
    public void nat(CommandSession session) {
        PrintStream out = Output.of(session);
        out.print(NftRulesets.natListing(live.net(), live.current()));
        out.flush();
    }
}
