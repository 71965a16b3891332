package org.conntrack4j.shell;

import java.util.Map;
import java.util.Set;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.command.Output;

/**
 * {@code ct:CMD --help} (or {@code -h}): the command's usage with every option it takes, on its output. The texts
 * follow what each command's parser accepts (CtFilter, CtEvents, CtChange); a new option goes into both.
 */
final class CtUsage {
    private static final String FILTERS = String.join("\n",
        "  -s, --src, --orig-src ADDR[/MASK]      original source address",
        "  -d, --dst, --orig-dst ADDR[/MASK]      original destination address",
        "  -r, --reply-src ADDR[/MASK]            reply source address",
        "  -q, --reply-dst ADDR[/MASK]            reply destination address",
        "  -p, --proto PROTO                      protocol (name or number)",
        "  --sport, --orig-port-src PORT          original source port (with -p)",
        "  --dport, --orig-port-dst PORT          original destination port (with -p)",
        "  --icmp-type, --icmp-code, --icmp-id N  ICMP (--icmpv6-* for ICMPv6)",
        "  --state STATE                          TCP or SCTP state (after -p tcp or -p sctp)",
        "  -m, --mark VALUE[/MASK]                connection mark",
        "  -l, --label NAME[,NAME...]             connection labels (connlabel.conf)",
        "  -u, --status STATUS[,STATUS...]        status bits: ASSURED, SEEN_REPLY, UNSET, ...",
        "  --zone, --orig-zone, --reply-zone N    conntrack zones",
        "  -f, --family ipv4|ipv6                 address family");
    private static final String OUTPUT = "  -o, --output FORMAT[,FORMAT...]        extended, id, labels, xml, timestamp, ktimestamp";

    private static final Map<String, String> TEXTS = Map.ofEntries(
        Map.entry("list", "usage: ct:list [OPTIONS]      list connections (conntrack -L)\n" + OUTPUT
            + "\n  -o json                                one JSON object per connection (schema: README, The shell)\n"
            + FILTERS),
        Map.entry("get", "usage: ct:get -s ADDR -d ADDR -p PROTO [--sport PORT --dport PORT] [--zone N] [-o FORMAT]\n"
            + "  one connection by its original tuple (conntrack -G)\n" + OUTPUT),
        Map.entry("delete", "usage: ct:delete FILTERS [-o FORMAT]      delete matching connections (conntrack -D)\n"
            + OUTPUT + "\n" + FILTERS),
        Map.entry("count", "usage: ct:count      how many connections there are (conntrack -C); no options"),
        Map.entry("expect", "usage: ct:expect      list expectations (conntrack -L expect); no options"),
        Map.entry("events", String.join("\n",
            "usage: ct:events [expect] [OPTIONS]      follow events (conntrack -E) until interrupted",
            "  expect                                 expectation events instead of connection events",
            "  -o, --output FORMAT[,FORMAT...]        extended, id, labels, xml, timestamp, ktimestamp",
            "  -o json                                one JSON object per event (schema: README, The shell)",
            "  -e, --event-mask EVENT[,EVENT...]      NEW, UPDATES, DESTROY, ALL",
            "  -n COUNT                               stop after COUNT events",
            "  -t SECONDS                             stop after SECONDS",
            "  -b, --buffer-size BYTES                the event buffer (events beyond it are lost, as ENOBUFS)")),
        Map.entry("stats", "usage: ct:stats [expect|invalid]      conntrack -S; with invalid, invalid packets per reason"),
        Map.entry("flush", "usage: ct:flush [expect]      delete every connection (conntrack -F), or every expectation"),
        Map.entry("trackers", "usage: ct:trackers      which tracker serves which protocol, helpers and extensions,"
            + " bundles that cannot resolve"),
        Map.entry("sysctl", "usage: ct:sysctl [NAME [VALUE]]      show all settings, one, or set one (NAME with or"
            + " without net.netfilter. / net.ipv4.)"),
        Map.entry("hooks", "usage: ct:hooks [ipv4|ipv6]      the hook chains with priorities and owners"),
        Map.entry("create", String.join("\n",
            "usage: ct:create -s ADDR -d ADDR [-r ADDR -q ADDR] -p PROTO -t TIMEOUT [OPTIONS]      conntrack -I",
            "  --sport, --dport, --reply-port-src, --reply-port-dst PORT, --state STATE (TCP), ICMP's --icmp-*",
            "  -u, --status STATUS[,...]   -m, --mark VALUE   -w, --zone N   --orig-zone N   --reply-zone N",
            "  --label-add NAME   -n, --src-nat [ADDR]   -g, --dst-nat [ADDR]")),
        Map.entry("update", String.join("\n",
            "usage: ct:update [TUPLE] [OPTIONS]      change the selected connections (conntrack -U)",
            "  -s, -d, -r, -q ADDR   -p PROTO   --sport, --dport PORT   -f, --family ipv4|ipv6   -i, --id N",
            "  --mask-src, --mask-dst MASK   -n, --src-nat   -g, --dst-nat",
            "  -m, --mark VALUE[/MASK]   -t, --timeout SECONDS   -u, --status STATUS[,...]",
            "  -l, --label NAME   --label-add NAME   --label-del [NAME]   -o, --output FORMAT")));

    private CtUsage() {
    }

    /** Prints {@code command}'s usage and returns true when the arguments ask for it ({@code --help}, {@code -h}). */
    static boolean printed(CommandSession session, String command, String... args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                Output.of(session).println(TEXTS.get(command));
                return true;
            }
        }
        return false;
    }

    /** The usage text of a command. */
    static String of(String command) {
        return TEXTS.get(command);
    }

    /** The commands that have a usage text here. */
    static Set<String> commands() {
        return TEXTS.keySet();
    }
}
