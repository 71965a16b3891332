package org.conntrack4j.sync.config;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.conntrack4j.sync.cache.CtFilter;

/**
 * Reads the conntrackd.conf a user gives conntrackd 1.4.7 (read_config_lex.l / read_config_yy.y): the same
 * keywords, nesting and values. Every option conntrackd accepts is accepted: the ones that mean something
 * here are applied, the ones that mean nothing here (lock file, UNIX socket, netlink buffers, scheduling,
 * logging) are noted as warnings naming their line, and the ones conntrack4j does not do (the Stats mode,
 * user-space helpers) are errors naming their line, as is anything conntrackd itself would reject.
 */
public final class ConfParser {

    /** A configuration conntrackd would reject, or one we cannot run; the message names the line. */
    public static final class ConfException extends Exception {
        private static final long serialVersionUID = 1L;

        public ConfException(String message) {
            super(message);
        }
    }

    private record Token(String text, int line) {
    }

    private static final Pattern NUMBER = Pattern.compile("[0-9]+");
    private static final Pattern SIGNED = Pattern.compile("[-+][0-9]+");
    private static final Pattern IPV4 = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+(/[0-9]+)?");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:]*(/[0-9]+)?");
    private static final Map<String, Integer> TCP_STATES = Map.of("SYN_SENT", 1, "SYN_RECV", 2, "ESTABLISHED", 3,
            "FIN_WAIT", 4, "CLOSE_WAIT", 5, "LAST_ACK", 6, "TIME_WAIT", 7, "CLOSE", 8, "CLOSED", 8, "LISTEN", 9);
    // /etc/protocols names conntrackd's getprotobyname() would find, for the protocols a Filter names
    private static final Map<String, Integer> PROTOCOLS = Map.ofEntries(Map.entry("ip", 0), Map.entry("icmp", 1),
            Map.entry("igmp", 2), Map.entry("tcp", 6), Map.entry("udp", 17), Map.entry("ipv6", 41),
            Map.entry("ipv6-route", 43), Map.entry("ipv6-frag", 44), Map.entry("gre", 47), Map.entry("esp", 50),
            Map.entry("ah", 51), Map.entry("ipv6-icmp", 58), Map.entry("ipv6-nonxt", 59), Map.entry("ipv6-opts", 60),
            Map.entry("vrrp", 112), Map.entry("l2tp", 115), Map.entry("sctp", 132), Map.entry("udplite", 136),
            Map.entry("dccp", 33), Map.entry("ipip", 4), Map.entry("pim", 103), Map.entry("ospf", 89));

    private final List<Token> tokens;
    private final String file;
    private int pos;
    private final SyncConfig cfg = new SyncConfig();
    private boolean syncSeen;

    private ConfParser(String file, String text) {
        this.file = file;
        this.tokens = tokenize(text);
    }

    /** Parses a file. */
    public static SyncConfig parse(Path path) throws IOException, ConfException {
        return parse(path.toString(), Files.readString(path, StandardCharsets.ISO_8859_1));
    }

    /** Parses configuration text; {@code name} names it in messages. */
    public static SyncConfig parse(String name, String text) throws ConfException {
        ConfParser p = new ConfParser(name, text);
        p.file();
        return p.cfg;
    }

    private static List<Token> tokenize(String text) {
        List<Token> out = new ArrayList<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            int hash = l.indexOf('#');
            if (hash >= 0) {
                l = l.substring(0, hash);
            }
            StringBuilder w = new StringBuilder();
            for (int k = 0; k <= l.length(); k++) {
                char ch = k < l.length() ? l.charAt(k) : ' ';
                if (ch == ' ' || ch == '\t' || ch == '{' || ch == '}') {
                    if (w.length() > 0) {
                        out.add(new Token(w.toString(), i + 1));
                        w.setLength(0);
                    }
                    if (ch == '{' || ch == '}') {
                        out.add(new Token(String.valueOf(ch), i + 1));
                    }
                } else {
                    w.append(ch);
                }
            }
        }
        return out;
    }

    private ConfException error(Token t, String what) {
        return new ConfException(file + ":" + t.line() + ": " + what);
    }

    private void warn(Token t, String what) {
        cfg.warnings.add(file + ":" + t.line() + ": " + what);
    }

    private Token peek() {
        return pos < tokens.size() ? tokens.get(pos) : null;
    }

    private Token next(String expecting) throws ConfException {
        if (pos >= tokens.size()) {
            Token last = tokens.isEmpty() ? new Token("", 1) : tokens.get(tokens.size() - 1);
            throw error(last, "unexpected end of file, expecting " + expecting);
        }
        return tokens.get(pos++);
    }

    private void expect(String s) throws ConfException {
        Token t = next("'" + s + "'");
        if (!t.text().equals(s)) {
            throw error(t, "syntax error at '" + t.text() + "', expecting '" + s + "'");
        }
    }

    private boolean closing() {
        Token t = peek();
        return t != null && t.text().equals("}");
    }

    private int number(Token key) throws ConfException {
        Token t = next("a number after " + key.text());
        if (!NUMBER.matcher(t.text()).matches()) {
            throw error(t, "syntax error at '" + t.text() + "': " + key.text() + " takes a number");
        }
        try {
            return Integer.parseInt(t.text());
        } catch (NumberFormatException e) {
            throw error(t, key.text() + " value out of range: " + t.text());
        }
    }

    /** on/yes or off/no, case-insensitive, as the lexer's is_true / is_false. */
    private boolean bool(Token key) throws ConfException {
        Token t = next("on or off after " + key.text());
        Boolean b = boolOf(t.text());
        if (b == null) {
            throw error(t, "syntax error at '" + t.text() + "': " + key.text() + " takes on or off");
        }
        return b;
    }

    private static Boolean boolOf(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        if (l.equals("on") || l.equals("yes")) {
            return true;
        }
        if (l.equals("off") || l.equals("no")) {
            return false;
        }
        return null;
    }

    private InetAddress address(Token key, boolean v6) throws ConfException {
        Token t = next("an address after " + key.text());
        InetAddress a = parseAddress(t.text(), v6);
        if (a == null) {
            throw error(t, t.text() + " is not a valid IPv" + (v6 ? "6" : "4") + " address");
        }
        return a;
    }

    static InetAddress parseAddress(String s, boolean v6) {
        if (v6 ? !IPV6.matcher(s).matches() : !IPV4.matcher(s).matches()) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(s);
            return v6 == (a instanceof Inet6Address) ? a : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // configfile: lines of General, Sync, Stats, Helper blocks
    private void file() throws ConfException {
        while (peek() != null) {
            Token t = next("a section");
            switch (t.text()) {
                case "General" -> block(this::generalLine);
                case "Sync" -> {
                    block(this::syncLine);
                    syncSeen = true;
                }
                case "Stats" -> throw error(t, "the Stats mode is not supported: conntrack4j runs conntrackd's Sync mode");
                case "Helper" -> throw error(t, "user-space helpers (Helper) are not supported: conntrack4j runs its "
                        + "helpers in the engine, assigned by the ruleset (ct helper set)");
                default -> throw error(t, "syntax error at '" + t.text() + "': expecting General, Sync, Stats or Helper");
            }
        }
        if (!syncSeen) {
            throw new ConfException(file + ": no Sync section: nothing to synchronise");
        }
        if (cfg.links.isEmpty()) {
            throw new ConfException(file + ": the Sync section names no dedicated link (Multicast, UDP or TCP)");
        }
        if (!cfg.modeGiven) {
            cfg.warnings.add(file + ": no synchronization mode specified, defaulting to FT-FW mode");
        }
    }

    private interface Line {
        void parse(Token key) throws ConfException;
    }

    private void block(Line line) throws ConfException {
        expect("{");
        while (!closing()) {
            line.parse(next("an option or '}'"));
        }
        expect("}");
    }

    private void unknown(Token key, String where) throws ConfException {
        throw error(key, "syntax error at '" + key.text() + "': not an option of " + where);
    }

    // General
    private void generalLine(Token k) throws ConfException {
        switch (k.text()) {
            case "HashSize" -> cfg.hashSize = positive(k, number(k));
            case "HashLimit" -> cfg.hashLimit = positive(k, number(k));
            case "LogFile" -> {
                next("on, off or a path");
                warn(k, "LogFile means nothing here: conntrack4j logs through its own logging");
            }
            case "Syslog" -> {
                next("on, off or a facility");
                warn(k, "Syslog means nothing here: conntrack4j logs through its own logging");
            }
            case "LockFile" -> {
                path(k);
                warn(k, "LockFile means nothing here: one sync node runs per conntrack4j router");
            }
            case "UNIX" -> block(u -> {
                switch (u.text()) {
                    case "Path" -> {
                        path(u);
                        warn(u, "UNIX { Path } means nothing here: the sync commands run in the router's shell");
                    }
                    case "Backlog" -> {
                        number(u);
                        warn(u, "UNIX { Backlog } is deprecated and ignored (conntrackd ignores it too)");
                    }
                    default -> unknown(u, "UNIX");
                }
            });
            case "NetlinkBufferSize", "SocketBufferSize", "NetlinkBufferSizeMaxGrowth", "SocketBufferSizeMaxGrown",
                    "SocketBufferSizeMaxGrowth" -> {
                number(k);
                warn(k, k.text() + " means nothing here: events come from the engine, not from netlink");
            }
            case "EventIterationLimit" -> {
                cfg.eventIterationLimit = number(k);
                warn(k, "EventIterationLimit means nothing here: engine events are taken as they come");
            }
            case "PollSecs" -> {
                if (number(k) == 0) {
                    throw error(k, "`PollSecs' clause must be > 0");
                }
                warn(k, "PollSecs means nothing here: the engine reports every change, there is nothing to poll");
            }
            case "NetlinkOverrunResync" -> {
                Token v = next("on, off or a number");
                if (boolOf(v.text()) == null && !NUMBER.matcher(v.text()).matches()) {
                    throw error(v, "syntax error at '" + v.text() + "': NetlinkOverrunResync takes on, off or a number");
                }
                warn(k, "NetlinkOverrunResync means nothing here: engine events do not overrun a socket");
            }
            case "NetlinkEventsReliable" -> {
                bool(k);
                warn(k, "NetlinkEventsReliable means nothing here: engine events are never dropped");
            }
            case "Nice" -> {
                Token v = next("a signed number");
                if (!SIGNED.matcher(v.text()).matches()) {
                    throw error(v, "syntax error at '" + v.text() + "': Nice takes a signed number");
                }
                warn(k, "Nice is deprecated and ignored (conntrackd ignores it too)");
            }
            case "Scheduler" -> {
                block(s -> {
                    switch (s.text()) {
                        case "Type" -> {
                            Token v = next("rr or fifo");
                            String l = v.text().toLowerCase(Locale.ROOT);
                            if (!l.equals("rr") && !l.equals("fifo")) {
                                throw error(v, "unknown scheduler `" + v.text() + "'");
                            }
                        }
                        case "Priority" -> {
                            int p = number(s);
                            if (p > 99) {
                                throw error(s, "`Priority' must be [0, 99]");
                            }
                        }
                        default -> unknown(s, "Scheduler");
                    }
                });
                warn(k, "Scheduler means nothing here: the JVM schedules the sync thread");
            }
            case "Systemd" -> {
                bool(k);
                warn(k, "Systemd means nothing here: conntrack4j is not started as conntrackd's systemd unit");
            }
            case "Filter" -> filter(k);
            default -> unknown(k, "General");
        }
    }

    private int positive(Token k, int v) throws ConfException {
        if (v <= 0) {
            throw error(k, k.text() + " must be greater than 0");
        }
        return v;
    }

    private void path(Token k) throws ConfException {
        Token v = next("a path after " + k.text());
        if (!v.text().startsWith("/")) {
            throw error(v, "syntax error at '" + v.text() + "': " + k.text() + " takes an absolute path");
        }
    }

    private void filter(Token k) throws ConfException {
        Token t = peek();
        if (t != null && t.text().equals("From")) {
            next("From");
            Token where = next("Userspace or Kernelspace");
            switch (where.text()) {
                case "Userspace" -> cfg.filterFromKernelspace = false;
                case "Kernelspace" -> {
                    cfg.filterFromKernelspace = true;
                    warn(where, "Filter From Kernelspace: conntrack4j applies the filter to the engine's events "
                            + "itself, with the same result");
                }
                default -> throw error(where, "syntax error at '" + where.text() + "': expecting Userspace or Kernelspace");
            }
        }
        CtFilter f = cfg.filter != null ? cfg.filter : new CtFilter();
        cfg.filter = f;
        block(item -> {
            Token logic = next("Accept or Ignore");
            boolean accept;
            switch (logic.text()) {
                case "Accept" -> accept = true;
                case "Ignore" -> accept = false;
                default -> throw error(logic, "syntax error at '" + logic.text() + "': expecting Accept or Ignore");
            }
            switch (item.text()) {
                case "Protocol" -> {
                    f.protocolLogic(accept);
                    block(p -> {
                        Integer num = PROTOCOLS.get(p.text().toLowerCase(Locale.ROOT));
                        if (!p.text().equals("TCP") && !p.text().equals("UDP")
                                && !Character.isLetter(p.text().charAt(0))) {
                            throw error(p, "syntax error at '" + p.text() + "': expecting a protocol name");
                        }
                        if (num == null) {
                            warn(p, "getprotobyname() cannot find protocol `" + p.text() + "' in /etc/protocols");
                        } else {
                            f.addProtocol(num);
                        }
                    });
                }
                case "Address" -> {
                    f.addressLogic(accept);
                    block(a -> {
                        boolean v6;
                        switch (a.text()) {
                            case "IPv4_address" -> v6 = false;
                            case "IPv6_address" -> v6 = true;
                            default -> throw error(a, "syntax error at '" + a.text()
                                    + "': expecting IPv4_address or IPv6_address");
                        }
                        Token v = next("an address");
                        String s = v.text();
                        int slash = s.indexOf('/');
                        int max = v6 ? 128 : 32;
                        int cidr = max;
                        if (slash >= 0) {
                            cidr = Integer.parseInt(s.substring(slash + 1));
                            s = s.substring(0, slash);
                            if (cidr > max) {
                                warn(v, v.text() + " is not a valid network, ignoring");
                                return;
                            }
                        }
                        InetAddress addr = parseAddress(s, v6);
                        if (addr == null) {
                            warn(v, s + " is not a valid IPv" + (v6 ? "6" : "4") + ", ignoring");
                            return;
                        }
                        f.addAddress(addr, cidr);
                    });
                }
                case "State" -> {
                    f.stateLogic(accept);
                    block(s -> {
                        // filter_state_item: tcp_states "for" TCP
                        List<Integer> states = new ArrayList<>();
                        Token w = s;
                        while (TCP_STATES.containsKey(w.text())) {
                            states.add(TCP_STATES.get(w.text()));
                            w = next("'for'");
                        }
                        if (!w.text().equals("for")) {
                            throw error(w, "syntax error at '" + w.text() + "': expecting TCP states and 'for TCP'");
                        }
                        Token proto = next("TCP");
                        if (!proto.text().equals("TCP")) {
                            throw error(proto, "syntax error at '" + proto.text() + "': states are for TCP only");
                        }
                        for (int st : states) {
                            f.addTcpState(st);
                        }
                    });
                }
                default -> throw error(item, "syntax error at '" + item.text() + "': expecting Protocol, Address or State");
            }
        });
    }

    // Sync
    private void syncLine(Token k) throws ConfException {
        switch (k.text()) {
            case "RefreshTime" -> cfg.refreshTime = number(k);
            case "CacheTimeout" -> cfg.cacheTimeout = number(k);
            case "CommitTimeout" -> cfg.commitTimeout = number(k);
            case "PurgeTimeout" -> cfg.purgeTimeout = number(k);
            case "Mode" -> mode(k);
            case "Multicast", "UDP", "TCP" -> link(k);
            case "Options" -> block(o -> {
                switch (o.text()) {
                    case "TCPWindowTracking" -> cfg.tcpWindowTracking = bool(o);
                    case "ExpectationSync" -> {
                        Token t = peek();
                        if (t != null && t.text().equals("{")) {
                            cfg.expectationSync = true;
                            block(n -> cfg.expectHelpers.add(n.text()));
                        } else {
                            cfg.expectationSync = bool(o);
                        }
                    }
                    default -> unknown(o, "Options");
                }
            });
            default -> unknown(k, "Sync");
        }
    }

    private void mode(Token k) throws ConfException {
        Token m = next("FTFW, NOTRACK or ALARM");
        String l = m.text().toLowerCase(Locale.ROOT);
        SyncConfig.Mode mode;
        switch (l) {
            case "ftfw" -> mode = SyncConfig.Mode.FTFW;
            case "nack" -> {
                mode = SyncConfig.Mode.FTFW;
                warn(m, "Now `nack' mode is called `ftfw'. Please, update your conntrackd.conf file.");
            }
            case "notrack" -> mode = SyncConfig.Mode.NOTRACK;
            case "alarm" -> mode = SyncConfig.Mode.ALARM;
            case "persistent" -> {
                mode = SyncConfig.Mode.ALARM;
                warn(m, "Now `persistent' mode is called `alarm'. Please, update your conntrackd.conf file.");
            }
            default -> throw error(m, "syntax error at '" + m.text() + "': expecting FTFW, NOTRACK or ALARM");
        }
        // conntrackd picks FTFW over ALARM over NOTRACK when several Mode blocks are given
        if (!cfg.modeGiven || rank(mode) < rank(cfg.mode)) {
            cfg.mode = mode;
        }
        cfg.modeGiven = true;
        block(o -> {
            boolean ok = switch (mode) {
                case ALARM -> List.of("RefreshTime", "CacheTimeout", "CommitTimeout", "PurgeTimeout")
                        .contains(o.text());
                case FTFW -> List.of("ResendQueueSize", "CommitTimeout", "PurgeTimeout", "ACKWindowSize",
                        "DisableExternalCache", "StartupResync").contains(o.text());
                case NOTRACK -> List.of("CommitTimeout", "PurgeTimeout", "DisableInternalCache",
                        "DisableExternalCache", "StartupResync").contains(o.text());
            };
            if (!ok) {
                unknown(o, "Mode " + m.text());
            }
            switch (o.text()) {
                case "RefreshTime" -> cfg.refreshTime = number(o);
                case "CacheTimeout" -> cfg.cacheTimeout = number(o);
                case "CommitTimeout" -> cfg.commitTimeout = number(o);
                case "PurgeTimeout" -> cfg.purgeTimeout = number(o);
                case "ResendQueueSize" -> cfg.resendQueueSize = number(o);
                case "ACKWindowSize" -> cfg.windowSize = number(o);
                case "DisableExternalCache" -> cfg.disableExternalCache = bool(o);
                case "DisableInternalCache" -> cfg.disableInternalCache = bool(o);
                case "StartupResync" -> cfg.startupResync = bool(o);
                default -> throw new AssertionError(o.text());
            }
        });
    }

    private static int rank(SyncConfig.Mode m) {
        return switch (m) {
            case FTFW -> 0;
            case ALARM -> 1;
            case NOTRACK -> 2;
        };
    }

    private void link(Token k) throws ConfException {
        SyncConfig.LinkType type = switch (k.text()) {
            case "Multicast" -> SyncConfig.LinkType.MULTICAST;
            case "UDP" -> SyncConfig.LinkType.UDP;
            default -> SyncConfig.LinkType.TCP;
        };
        for (SyncConfig.Link l : cfg.links) {
            if (l.type != type) {
                throw error(k, "cannot use `" + k.text() + "' with other dedicated link protocols!");
            }
        }
        if (cfg.links.size() >= 4) {
            throw error(k, "too many dedicated links in the configuration file (Maximum: 4)");
        }
        SyncConfig.Link l = new SyncConfig.Link();
        l.type = type;
        l.line = k.line();
        Token t = peek();
        if (t != null && t.text().equals("Default")) {
            next("Default");
            l.isDefault = true;
        }
        block(o -> {
            switch (o.text()) {
                case "IPv4_address" -> {
                    l.address = address(o, false);
                    l.family = 4;
                }
                case "IPv6_address" -> {
                    l.address = address(o, true);
                    l.family = 6;
                }
                case "IPv4_Destination_Address", "IPv6_Destination_Address" -> {
                    if (type == SyncConfig.LinkType.MULTICAST) {
                        unknown(o, k.text());
                    }
                    boolean v6 = o.text().startsWith("IPv6");
                    l.destination = address(o, v6);
                    l.family = v6 ? 6 : 4;
                }
                case "IPv4_interface" -> {
                    if (type != SyncConfig.LinkType.MULTICAST) {
                        unknown(o, k.text());
                    }
                    l.interfaceAddress = address(o, false);
                }
                case "IPv6_interface" -> {
                    if (type != SyncConfig.LinkType.MULTICAST) {
                        unknown(o, k.text());
                    }
                    next("an address");
                    warn(o, "`IPv6_interface' not required, ignoring");
                }
                case "Interface" -> l.iface = next("an interface name").text();
                case "Port" -> {
                    if (type == SyncConfig.LinkType.MULTICAST) {
                        unknown(o, k.text());
                    }
                    l.port = number(o);
                }
                case "Group" -> {
                    if (type != SyncConfig.LinkType.MULTICAST) {
                        unknown(o, k.text());
                    }
                    l.port = number(o);
                }
                case "SndSocketBuffer" -> l.sndbuf = number(o);
                case "RcvSocketBuffer" -> l.rcvbuf = number(o);
                case "Checksum" -> {
                    l.checksum = bool(o);
                    if (!l.checksum) {
                        warn(o, "Checksum off cannot be done here (Java sockets always checksum): checksums stay on");
                    }
                }
                case "ErrorQueueLength" -> {
                    if (type != SyncConfig.LinkType.TCP) {
                        unknown(o, k.text());
                    }
                    cfg.errorQueueLength = number(o);
                }
                default -> unknown(o, k.text());
            }
        });
        if (l.iface == null) {
            throw error(k, k.text() + " block without Interface: conntrackd cannot open the channel");
        }
        if (l.address == null) {
            throw error(k, k.text() + " block without " + (type == SyncConfig.LinkType.MULTICAST ? "a group address"
                    : "IPv4_address or IPv6_address"));
        }
        if (type != SyncConfig.LinkType.MULTICAST && l.destination == null) {
            throw error(k, k.text() + " block without IPv4_Destination_Address or IPv6_Destination_Address");
        }
        if (type != SyncConfig.LinkType.MULTICAST
                && (l.address instanceof Inet4Address) != (l.destination instanceof Inet4Address)) {
            throw error(k, k.text() + " block mixes IPv4 and IPv6 addresses");
        }
        if (type == SyncConfig.LinkType.TCP) {
            throw error(k, "TCP dedicated links are not supported yet: use UDP or Multicast");
        }
        cfg.links.add(l);
    }
}
