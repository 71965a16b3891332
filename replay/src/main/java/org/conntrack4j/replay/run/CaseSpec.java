package org.conntrack4j.replay.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.text.LabelMap;
import org.conntrack4j.replay.json.JsonParser;
import org.conntrack4j.replay.json.JsonSyntaxException;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.rules.nft.NftParser;

/**
 * What a replay needs: the router's interfaces, the conntrack settings, the ruleset, the capture. Read from a
 * kernel case folder ({@code case.json}, {@code ruleset.nft}, {@code ingress.pcapng}) or assembled from
 * command-line options for a plain capture.
 */
public final class CaseSpec {
    private final String name;
    private final List<RouterInterface> interfaces;
    private final Map<String, String> sysctls;
    private final String ruleset;
    private final String rulesetName;
    private final Path capture;
    private final String defaultInterface;
    private final long tickPhaseNanos;
    private final boolean adoptRandomPorts;
    private final long tableAtNanos;
    private final LabelMap labels;
    private final boolean eventsUntilTable;
    private final List<RulesetChange> rulesetChanges;
    private final List<TableOperation> operations;
    private final List<RouterSocket> sockets;
    private final Map<String, String> interfaceMap;

    /**
     * A ruleset loaded while the recording ran ({@code case.json} → {@code ruleset_changes}): {@code atNanos} after the
     * first frame, {@code ruleset} replacing the one in force, as {@code nft -f} of {@code flush ruleset} and it does.
     */
    public record RulesetChange(long atNanos, String ruleset) {
    }

    public CaseSpec(String name, List<RouterInterface> interfaces, Map<String, String> sysctls, String ruleset,
        String rulesetName, Path capture, String defaultInterface) {
        this(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, -1);
    }

    /** With where the recording kernel's ticks fell ({@link #tickPhaseNanos()}), or -1 if not known. */
    public CaseSpec(String name, List<RouterInterface> interfaces, Map<String, String> sysctls, String ruleset,
        String rulesetName, Path capture, String defaultInterface, long tickPhaseNanos) {
        this(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos, false);
    }

    /** With whether the replay adopts the recording kernel's random NAT ports ({@link #adoptRandomPorts()}). */
    public CaseSpec(String name, List<RouterInterface> interfaces, Map<String, String> sysctls, String ruleset,
        String rulesetName, Path capture, String defaultInterface, long tickPhaseNanos, boolean adoptRandomPorts) {
        this(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            adoptRandomPorts, -1);
    }

    /** With when the table was taken ({@link #tableAtNanos()}), or -1 for the usual half second after the last frame. */
    public CaseSpec(String name, List<RouterInterface> interfaces, Map<String, String> sysctls, String ruleset,
        String rulesetName, Path capture, String defaultInterface, long tickPhaseNanos, boolean adoptRandomPorts,
        long tableAtNanos) {
        this(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            adoptRandomPorts, tableAtNanos, LabelMap.numeric(), false, List.of(), List.of(), List.of(), Map.of());
    }

    private CaseSpec(String name, List<RouterInterface> interfaces, Map<String, String> sysctls, String ruleset,
        String rulesetName, Path capture, String defaultInterface, long tickPhaseNanos, boolean adoptRandomPorts,
        long tableAtNanos, LabelMap labels, boolean eventsUntilTable, List<RulesetChange> rulesetChanges,
        List<TableOperation> operations, List<RouterSocket> sockets, Map<String, String> interfaceMap) {
        this.interfaceMap = Map.copyOf(interfaceMap);
        this.operations = List.copyOf(operations);
        this.sockets = List.copyOf(sockets);
        this.rulesetChanges = List.copyOf(rulesetChanges);
        this.labels = labels;
        this.eventsUntilTable = eventsUntilTable;
        this.tableAtNanos = tableAtNanos;
        this.adoptRandomPorts = adoptRandomPorts;
        this.name = name;
        this.interfaces = List.copyOf(interfaces);
        this.sysctls = Map.copyOf(sysctls);
        this.ruleset = ruleset;
        this.rulesetName = rulesetName;
        this.capture = capture;
        this.defaultInterface = defaultInterface;
        this.tickPhaseNanos = tickPhaseNanos;
    }

    /**
     * Where the recording kernel's ticks fell, in nanoseconds past each tick-length multiple of the epoch
     * ({@code case.json} → {@code tick_phase_us}, which a recorder can read off the machine as realtime minus
     * monotonic clock, modulo the tick), or -1 when the case does not say.
     */
    public long tickPhaseNanos() {
        return tickPhaseNanos;
    }

    public String name() {
        return name;
    }

    /**
     * Does the replay rename the replies the capture sends to the NAT ports (ids) the recording kernel picked at
     * random to the ones picked here ({@code RecordedPortAdoption})? Only right for a capture of a kernel that did
     * NAT itself: on for a kernel case folder ({@link #load}), off for a plain capture unless asked.
     */
    public boolean adoptRandomPorts() {
        return adoptRandomPorts;
    }

    /** The same case with adoption of the recording kernel's random ports on or off. */
    public CaseSpec withAdoptRandomPorts(boolean on) {
        return new CaseSpec(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            on, tableAtNanos, labels, eventsUntilTable, rulesetChanges, operations, sockets, interfaceMap);
    }

    /**
     * The names labels are printed with in the events and the table ({@code conntrack -o labels} with this
     * {@code connlabel.conf}): by default each label by its number, as the kernel cases were recorded; null prints
     * none.
     */
    public LabelMap labels() {
        return labels;
    }

    /** The same case with labels printed through {@code map} (null: not printed). */
    public CaseSpec withLabels(LabelMap map) {
        return new CaseSpec(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            adoptRandomPorts, tableAtNanos, map, eventsUntilTable, rulesetChanges, operations, sockets, interfaceMap);
    }

    /**
     * The router's own sockets ({@code case.json} → {@code router_sockets}, or {@code --listen} for a plain capture):
     * what its local stack takes in instead of refusing.
     */
    public List<RouterSocket> sockets() {
        return sockets;
    }

    /** The same case with these sockets of the router's own. */
    public CaseSpec withSockets(List<RouterSocket> s) {
        return new CaseSpec(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            adoptRandomPorts, tableAtNanos, labels, eventsUntilTable, rulesetChanges, operations, s, interfaceMap);
    }

    /**
     * Recorded interfaces to router interfaces ({@code --map-iface RECORDED=ROUTER}): an SLL2 interface index in
     * decimal, a pcapng interface name, or an interface's number in the capture; empty for a kernel case folder,
     * whose capture names the router's interfaces.
     */
    public Map<String, String> interfaceMap() {
        return interfaceMap;
    }

    /** The same case with this interface mapping. */
    public CaseSpec withInterfaceMap(Map<String, String> m) {
        return new CaseSpec(name, interfaces, sysctls, ruleset, rulesetName, capture, defaultInterface, tickPhaseNanos,
            adoptRandomPorts, tableAtNanos, labels, eventsUntilTable, rulesetChanges, operations, sockets, m);
    }

    /** The rulesets loaded while the recording ran, in time order (none for most cases). */
    public List<RulesetChange> rulesetChanges() {
        return rulesetChanges;
    }

    /**
     * Do the case's events stop where its table was taken ({@code case.json} → {@code events_until_table}, as the
     * kernel lab's first recordings were assembled)? Then the events the table dump itself causes (the DESTROY of
     * entries it finds expired) are not written. Otherwise they are, as {@code conntrack -E} prints them while
     * {@code conntrack -L} runs.
     */
    public boolean eventsUntilTable() {
        return eventsUntilTable;
    }

    /**
     * When the table was taken, in nanoseconds after the first frame, for a recording that waited past its last
     * packet ({@code case.json} → {@code table_at_s}, or a note "waited until t0 + N s", the table following half a
     * second later as always); -1: half a second after the last frame ({@link Replay#TABLE_DELAY_NANOS}).
     */
    public long tableAtNanos() {
        return tableAtNanos;
    }

    /**
     * What was done to the recording router's table besides its packets, in time order ({@code case.json} →
     * {@code operations}); empty for most cases and for a plain capture.
     */
    public List<TableOperation> operations() {
        return operations;
    }

    public List<RouterInterface> interfaces() {
        return interfaces;
    }

    public Map<String, String> sysctls() {
        return sysctls;
    }

    /** The ruleset text, or null for none. */
    public String ruleset() {
        return ruleset;
    }

    public String rulesetName() {
        return rulesetName;
    }

    public Path capture() {
        return capture;
    }

    /** Interface for frames whose capture names none (classic pcap), or null. */
    public String defaultInterface() {
        return defaultInterface;
    }

    /**
     * Does the ruleset, or one loaded during the capture, declare a conntrack helper or an expectation object (then
     * expectation events are written, as the recordings of such cases have them)?
     */
    public boolean helperConfigured() {
        if (expects(ruleset)) {
            return true;
        }
        for (RulesetChange c : rulesetChanges) {
            if (expects(c.ruleset())) {
                return true;
            }
        }
        return false;
    }

    private static boolean expects(String text) {
        return text != null && text.matches("(?s).*\\bct\\s+(helper|expectation)\\s+\\S+\\s*\\{.*");
    }

    /** Loads a kernel case folder as it is. */
    public static CaseSpec load(Path dir) throws ReplayException {
        Path json = dir.resolve("case.json");
        if (!Files.isDirectory(dir)) {
            throw new ReplayException(dir + ": not a case folder (no such directory)", ReplayException.INPUT);
        }
        if (!Files.isRegularFile(json)) {
            throw new ReplayException(json + ": missing (a case folder holds case.json, ruleset.nft, ingress.pcapng)",
                ReplayException.INPUT);
        }
        Object root;
        try {
            root = JsonParser.parse(json);
        } catch (JsonSyntaxException e) {
            throw new ReplayException(json + ":" + e.line() + ":" + e.column() + ": " + e.problem(), ReplayException.INPUT, e);
        } catch (IOException e) {
            throw new ReplayException(json + ": cannot read: " + e.getMessage(), ReplayException.INPUT, e);
        }
        Map<String, Object> c = object(root, json, "the top level");
        Map<String, Object> topo = object(c.get("topology"), json, "topology");
        Map<String, Object> ifs = object(topo.get("router_interfaces"), json, "topology.router_interfaces");
        Map<String, Object> mtus = topo.get("mtu") instanceof Map ? object(topo.get("mtu"), json, "topology.mtu") : Map.of();
        List<RouterInterface> list = new ArrayList<>();
        for (Map.Entry<String, Object> e : ifs.entrySet()) {
            Map<String, Object> i = object(e.getValue(), json, "topology.router_interfaces." + e.getKey());
            int mtu = 1500;
            Object m = mtus.get("rtr:" + e.getKey());
            if (m instanceof Number) {
                mtu = ((Number) m).intValue();
            }
            try {
                list.add(RouterInterface.of(e.getKey(), text(i.get("mac"), json, e.getKey() + ".mac"),
                    i.get("peer_mac") == null ? null : i.get("peer_mac").toString(), mtu,
                    i.get("ipv4") == null ? null : i.get("ipv4").toString(),
                    i.get("ipv6") == null ? null : i.get("ipv6").toString())
                    // the recording routers had no link-local address (addr_gen_mode 1, tools/kernellab/lab.py)
                    .withoutLinkLocal());
            } catch (IllegalArgumentException ex) {
                throw new ReplayException(json + ": interface " + e.getKey() + ": " + ex.getMessage(), ReplayException.INPUT);
            }
        }
        if (list.isEmpty()) {
            throw new ReplayException(json + ": topology.router_interfaces is empty", ReplayException.INPUT);
        }
        Map<String, String> sysctls = new LinkedHashMap<>();
        if (c.get("sysctls") instanceof Map) {
            for (Map.Entry<String, Object> s : object(c.get("sysctls"), json, "sysctls").entrySet()) {
                sysctls.put(s.getKey(), String.valueOf(s.getValue()));
            }
        }
        Path rules = dir.resolve("ruleset.nft");
        String ruleset;
        String rulesetName;
        try {
            if (Files.isRegularFile(rules)) {
                ruleset = NftParser.read(rules);
                rulesetName = rules.toString();
            } else if (c.get("nft_ruleset") instanceof String) {
                ruleset = (String) c.get("nft_ruleset");
                rulesetName = json + " (nft_ruleset)";
            } else {
                // a case without its ruleset would replay as a router without one: not what was recorded
                throw new ReplayException(rules + ": missing (a case folder holds case.json, ruleset.nft,"
                    + " ingress.pcapng; an empty ruleset.nft for none)", ReplayException.INPUT);
            }
        } catch (IOException e) {
            throw new ReplayException(rules + ": cannot read: " + e.getMessage(), ReplayException.INPUT, e);
        }
        Path ingress = dir.resolve("ingress.pcapng");
        if (!Files.isRegularFile(ingress)) {
            ingress = dir.resolve("ingress.pcap");
        }
        if (!Files.isRegularFile(ingress)) {
            throw new ReplayException(dir.resolve("ingress.pcapng") + ": missing", ReplayException.INPUT);
        }
        long phase = -1;
        Object ph = c.get("tick_phase_us");
        if (ph != null) {
            double us = ph instanceof Number ? ((Number) ph).doubleValue() : Double.NaN;
            if (!(us >= 0 && us < 1_000_000.0 / Replay.HZ)) {
                throw new ReplayException(json + ": tick_phase_us " + ph + " is not a number of microseconds within one "
                    + "tick (0 to " + 1_000_000 / Replay.HZ + ")", ReplayException.INPUT);
            }
            phase = Math.round(us * 1000);
        } else if (c.get("kernel") instanceof String) {
            // a reference case: the calibration of the boot that recorded it, if it is not the first one's
            phase = Replay.referenceTickPhaseNanos((String) c.get("kernel"));
        }
        Object scenario = c.get("scenario");
        String name = scenario instanceof String ? (String) scenario : dir.getFileName().toString();
        List<TableOperation> ops = new ArrayList<>();
        if (c.get("operations") != null) {
            if (!(c.get("operations") instanceof List)) {
                throw new ReplayException(json + ": operations is not a list", ReplayException.INPUT);
            }
            List<?> raw = (List<?>) c.get("operations");
            for (int i = 0; i < raw.size(); i++) {
                ops.add(TableOperation.parse(raw.get(i), json, "operations[" + i + "]"));
            }
            ops.sort(java.util.Comparator.comparingLong(TableOperation::timeNanos));
        }
        // a kernel case folder: its replies answer the kernel's own random NAT picks
        return new CaseSpec(name, list, sysctls, ruleset, rulesetName, ingress, null, phase, true, tableAt(c, json),
            LabelMap.numeric(), Boolean.TRUE.equals(c.get("events_until_table")), rulesetChanges(c, json), ops,
            routerSockets(c, json), Map.of());
    }

    /** {@code router_sockets}: {@code [{protocol, family, address, port, ...}]}; absent or empty: none. */
    private static List<RouterSocket> routerSockets(Map<String, Object> c, Path json) throws ReplayException {
        if (c.get("router_sockets") == null) {
            return List.of();
        }
        if (!(c.get("router_sockets") instanceof List)) {
            throw new ReplayException(json + ": router_sockets is not a list", ReplayException.INPUT);
        }
        List<RouterSocket> out = new ArrayList<>();
        for (Object o : (List<?>) c.get("router_sockets")) {
            Map<String, Object> m = object(o, json, "a router_sockets entry");
            try {
                out.add(RouterSocket.of(String.valueOf(m.get("protocol")),
                    m.get("family") == null ? null : m.get("family").toString(),
                    m.get("address") == null ? null : m.get("address").toString(), String.valueOf(m.get("port"))));
            } catch (IllegalArgumentException e) {
                throw new ReplayException(json + ": router_sockets: " + e.getMessage(), ReplayException.INPUT);
            }
        }
        return out;
    }

    private static List<RulesetChange> rulesetChanges(Map<String, Object> c, Path json) throws ReplayException {
        if (c.get("ruleset_changes") == null) {
            return List.of();
        }
        if (!(c.get("ruleset_changes") instanceof List)) {
            throw new ReplayException(json + ": ruleset_changes is not a list", ReplayException.INPUT);
        }
        List<RulesetChange> out = new ArrayList<>();
        for (Object o : (List<?>) c.get("ruleset_changes")) {
            Map<String, Object> m = object(o, json, "a ruleset_changes entry");
            if (!(m.get("at_s") instanceof Number) || ((Number) m.get("at_s")).doubleValue() < 0
                || !(m.get("ruleset") instanceof String)) {
                throw new ReplayException(json + ": a ruleset_changes entry needs at_s (seconds after the first frame)"
                    + " and ruleset (nft text)", ReplayException.INPUT);
            }
            out.add(new RulesetChange(Math.round(((Number) m.get("at_s")).doubleValue() * 1e9),
                (String) m.get("ruleset")));
        }
        out.sort((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
        return out;
    }

    private static final java.util.regex.Pattern WAITED =
        java.util.regex.Pattern.compile("waited until t0 \\+ ([0-9]+(?:\\.[0-9]+)?) s");

    /**
     * When the recording took its table, if it says: {@code table_at_s} (seconds after the first frame), or a note
     * that the scenario "waited until t0 + N s" (t0 the first frame) before the table followed, half a second later
     * as every recording takes it; else -1.
     */
    private static long tableAt(Map<String, Object> c, Path json) throws ReplayException {
        Object at = c.get("table_at_s");
        if (at != null) {
            if (!(at instanceof Number) || ((Number) at).doubleValue() < 0) {
                throw new ReplayException(json + ": table_at_s " + at + " is not a number of seconds",
                    ReplayException.INPUT);
            }
            return Math.round(((Number) at).doubleValue() * 1e9);
        }
        if (c.get("notes") instanceof List) {
            for (Object n : (List<?>) c.get("notes")) {
                java.util.regex.Matcher m = WAITED.matcher(String.valueOf(n));
                if (m.find()) {
                    return Math.round(Double.parseDouble(m.group(1)) * 1e9) + Replay.TABLE_DELAY_NANOS;
                }
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, Path file, String what) throws ReplayException {
        if (!(o instanceof Map)) {
            throw new ReplayException(file + ": " + what + " is missing or not an object", ReplayException.INPUT);
        }
        return (Map<String, Object>) o;
    }

    private static String text(Object o, Path file, String what) throws ReplayException {
        if (!(o instanceof String)) {
            throw new ReplayException(file + ": " + what + " is missing or not a string", ReplayException.INPUT);
        }
        return (String) o;
    }
}
