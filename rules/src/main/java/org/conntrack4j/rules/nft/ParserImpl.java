package org.conntrack4j.rules.nft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;

/**
 * Hand-written recursive-descent parser behind {@link NftParser}. One instance parses one text.
 *
 * <p>Grammar (terminators are newline or ';'; nft requires one after every block item, including the last one
 * before a closing brace):
 *
 * <pre>
 * file        := { table TERM }
 * table       := "table" [ip|ip6|inet] NAME "{" { tableItem TERM } "}"
 * tableItem   := chain | "ct" "helper" NAME "{" { helperItem TERM } "}"
 * helperItem  := "type" STRING "protocol" (tcp|udp) | "l3proto" (ip|ip6|inet)
 * chain       := "chain" NAME "{" { chainItem TERM } "}"
 * chainItem   := "type" TYPE "hook" HOOK "priority" PRIO | "policy" (accept|drop) | rule
 * rule        := element { element } [ "comment" STRING ]
 * element     := match | statement
 * match       := selector [op] (value | range | set | flaglist)
 * </pre>
 */
final class ParserImpl {

    private static final String SUPPORTED_STATEMENTS = "accept, drop, return, jump, goto, counter, log, notrack, "
            + "ct helper set, ct mark set, masquerade, snat, dnat, redirect";
    private static final String SUPPORTED_MATCHES = "iifname, oifname, iif, oif, meta l4proto, meta nfproto, "
            + "meta iifname, meta oifname, meta iif, meta oif, ip protocol, ip saddr, ip daddr, ip6 nexthdr, "
            + "ip6 saddr, ip6 daddr, tcp sport, tcp dport, udp sport, udp dport, ct state, ct direction, "
            + "ct status, ct mark";

    /** Statements nft knows that the subset leaves out. */
    private static final Set<String> UNSUPPORTED_STATEMENTS = Set.of("queue", "reject", "continue", "limit",
            "quota", "dup", "fwd", "tproxy", "synproxy", "mark", "set", "add", "update", "delete", "xt", "last",
            "secmark", "flow", "numgen", "vmap", "map", "meter", "connlimit", "exthdr");
    /** Match expressions nft knows that the subset leaves out. */
    private static final Set<String> UNSUPPORTED_MATCHES = Set.of("icmp", "icmpv6", "sctp", "dccp", "udplite",
            "ether", "vlan", "arp", "th", "fib", "rt", "socket", "osf", "ipsec", "jhash", "symhash", "ah", "esp",
            "comp", "igmp", "frag", "hbh", "dst", "mh", "rt0", "rt2", "srh", "iiftype", "oiftype", "pkttype",
            "cpu", "skuid", "skgid", "length", "nfproto", "l4proto", "protocol", "saddr", "daddr", "sport",
            "dport", "cgroup", "iifgroup", "oifgroup", "ipv4", "ipv6", "gre", "geneve", "vxlan",
            "tcpopt", "inner");
    /** Top-level commands of nft scripts; only table blocks are part of the subset. */
    private static final Set<String> TOP_LEVEL_COMMANDS = Set.of("add", "create", "insert", "replace", "delete",
            "destroy", "list", "flush", "rename", "reset", "define", "redefine", "undefine", "include",
            "describe", "monitor", "export", "import", "chain", "rule", "set", "map", "element");

    /** Largest value phrase ("10.0.0.1-10.0.0.9"), in characters. */
    private static final int MAX_PHRASE = 4096;
    /** Maximum length of table/chain/object names (NFT_NAME_MAXLEN 256, including the NUL). */
    private static final int MAX_NAME = 255;

    private final String source;
    private final String text;
    private final Lexer lexer;
    private final List<Token> lookahead = new ArrayList<>();

    ParserImpl(String source, String text) {
        this.source = source;
        this.text = text;
        this.lexer = new Lexer(source, text);
    }

    // ------------------------------------------------------------------------------------------------ tokens

    private Token peek() throws RulesetParseException {
        return peek(0);
    }

    private Token peek(int k) throws RulesetParseException {
        while (lookahead.size() <= k) {
            lookahead.add(lexer.next());
        }
        return lookahead.get(k);
    }

    private Token next() throws RulesetParseException {
        Token t = peek();
        lookahead.remove(0);
        return t;
    }

    private SourcePos pos(Token t) {
        return new SourcePos(source, t.line(), t.column());
    }

    private RulesetParseException err(Token t, String msg) {
        return new RulesetParseException(source, t.line(), t.column(), msg);
    }

    private RulesetParseException err(SourcePos p, String msg) {
        return new RulesetParseException(p, msg);
    }

    private void skipSeparators() throws RulesetParseException {
        while (peek().isTerminator()) {
            next();
        }
    }

    private void skipNewlines() throws RulesetParseException {
        while (peek().kind() == Kind.NEWLINE) {
            next();
        }
    }

    private Token expect(Kind kind, String what) throws RulesetParseException {
        Token t = peek();
        if (t.kind() != kind) {
            throw err(t, "expected " + what + ", found " + t.describe());
        }
        return next();
    }

    private Token expectWord(String what) throws RulesetParseException {
        return expect(Kind.WORD, what);
    }

    private void requireTerminator(String after) throws RulesetParseException {
        Token t = peek();
        if (!t.isTerminator()) {
            throw err(t, "expected newline or ';' after " + after + ", found " + t.describe());
        }
    }

    /** A table, chain or object name: nft's identifier syntax, not a keyword, not quoted. */
    private Token expectName(String what) throws RulesetParseException {
        Token t = peek();
        if (t.kind() == Kind.STRING) {
            throw err(t, what + " must not be quoted (nft does not accept quoted names here)");
        }
        if (t.kind() != Kind.WORD) {
            throw err(t, "expected " + what + ", found " + t.describe());
        }
        checkName(t, what);
        return next();
    }

    private void checkName(Token t, String what) throws RulesetParseException {
        String s = t.text();
        char c0 = s.charAt(0);
        boolean ok = Character.isLetter(c0) && c0 < 128 || c0 == '_' || c0 == '.';
        for (int i = 1; ok && i < s.length(); i++) {
            char c = s.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '/';
        }
        if (!ok) {
            throw err(t, "invalid " + what + " \"" + Lexer.abbreviate(s) + "\" (a name starts with a letter, '_' or"
                    + " '.' and continues with letters, digits, '_', '.', '-' or '/')");
        }
        if (s.length() > MAX_NAME) {
            throw err(t, what + " longer than " + MAX_NAME + " characters");
        }
        if (Symbols.RESERVED.contains(s)) {
            throw err(t, "\"" + s + "\" is an nft keyword and cannot be used as " + what);
        }
    }

    /** A quoted string or an unquoted word that is not an nft keyword (nft would not read a keyword there). */
    private Token expectText(String what) throws RulesetParseException {
        Token v = peek();
        if (v.kind() != Kind.STRING && v.kind() != Kind.WORD) {
            throw err(v, "expected " + what + ", found " + v.describe());
        }
        if (v.kind() == Kind.WORD && Symbols.RESERVED.contains(v.text())) {
            throw err(v, "expected " + what + ", found keyword \"" + v.text() + "\" (quote it to use it as text)");
        }
        return next();
    }

    // ------------------------------------------------------------------------------------------------ file

    Ruleset parseFile() throws RulesetParseException {
        List<Table> tables = new ArrayList<>();
        Map<String, Token> seen = new LinkedHashMap<>();
        skipSeparators();
        while (peek().kind() != Kind.EOF) {
            Token t = peek();
            if (t.isWord("table")) {
                tables.add(parseTable(seen));
            } else if (t.kind() == Kind.WORD && TOP_LEVEL_COMMANDS.contains(t.text())) {
                throw err(t, "unsupported command \"" + t.text() + "\": only \"table\" blocks are supported");
            } else {
                throw err(t, "expected \"table\", found " + t.describe());
            }
            Token after = peek();
            if (after.kind() != Kind.EOF && !after.isTerminator()) {
                throw err(after, "expected newline or ';' after the table block, found " + after.describe());
            }
            skipSeparators();
        }
        return new Ruleset(tables);
    }

    // ------------------------------------------------------------------------------------------------ table

    /** State of the table being parsed, including references checked when it is complete. */
    private static final class TableCtx {
        final Family family;
        final String name;
        final Map<String, CtHelperObject> helpers = new LinkedHashMap<>();
        final Map<String, Chain> chains = new LinkedHashMap<>();
        final List<Validator.Ref> jumps = new ArrayList<>();
        final List<Validator.Ref> helperRefs = new ArrayList<>();
        final List<Validator.NatRef> nats = new ArrayList<>();

        TableCtx(Family family, String name) {
            this.family = family;
            this.name = name;
        }

        String describe() {
            return family.keyword() + " " + name;
        }
    }

    private Table parseTable(Map<String, Token> seen) throws RulesetParseException {
        Token kw = next();
        Family family = Family.IP; // nft's default when the family is left out
        Token f = peek();
        if (f.kind() == Kind.WORD) {
            Optional<Family> fam = Family.fromKeyword(f.text());
            if (fam.isPresent()) {
                family = fam.get();
                next();
            } else if (Set.of("arp", "bridge", "netdev").contains(f.text())) {
                throw err(f, "table family \"" + f.text() + "\" is not supported (supported: ip, ip6, inet)");
            }
        }
        Token nameTok = expectName("table name");
        String key = family.keyword() + " " + nameTok.text();
        Token prev = seen.get(key);
        if (prev != null) {
            throw err(nameTok, "duplicate table \"" + key + "\" (first declared at line " + prev.line()
                    + "); nft would merge the two blocks, this parser requires one block per table");
        }
        seen.put(key, nameTok);
        Token open = expect(Kind.LBRACE, "'{' after the table name");
        TableCtx ctx = new TableCtx(family, nameTok.text());
        while (true) {
            skipSeparators();
            Token t = peek();
            if (t.kind() == Kind.RBRACE) {
                next();
                break;
            }
            if (t.kind() == Kind.EOF) {
                throw err(t, "unexpected end of input: '}' missing for table \"" + key + "\" opened at line "
                        + open.line());
            }
            if (t.isWord("chain")) {
                parseChain(ctx);
                requireTerminator("the chain block");
            } else if (t.isWord("ct") && peek(1).isWord("helper")) {
                parseCtHelper(ctx);
                requireTerminator("the ct helper block");
            } else if (t.isWord("ct") && peek(1).kind() == Kind.WORD) {
                throw err(peek(1), "unsupported object \"ct " + peek(1).text() + "\" (supported: chain, ct helper)");
            } else if (t.kind() == Kind.WORD && Set.of("set", "map", "flowtable", "counter", "quota", "limit",
                    "secmark", "synproxy", "flags", "comment").contains(t.text())) {
                throw err(t, "unsupported table item \"" + t.text() + "\" (supported: chain, ct helper)");
            } else {
                throw err(t, "expected \"chain\" or \"ct helper\", found " + t.describe());
            }
        }
        Table table = new Table(family, nameTok.text(), new ArrayList<>(ctx.helpers.values()),
                new ArrayList<>(ctx.chains.values()), pos(kw));
        new Validator(table, ctx.jumps, ctx.helperRefs, ctx.nats).validate();
        return table;
    }

    // ------------------------------------------------------------------------------------------------ ct helper

    private void parseCtHelper(TableCtx ctx) throws RulesetParseException {
        Token kw = next(); // ct
        next(); // helper
        Token nameTok = expectName("ct helper name");
        if (ctx.helpers.containsKey(nameTok.text())) {
            throw err(nameTok, "duplicate ct helper \"" + nameTok.text() + "\" in table " + ctx.describe());
        }
        expect(Kind.LBRACE, "'{' after the ct helper name");
        Token typeTok = null;
        Token protoTok = null;
        Token l3Tok = null;
        String type = null;
        int proto = -1;
        Family l3 = null;
        Token close;
        while (true) {
            skipSeparators();
            Token t = peek();
            if (t.kind() == Kind.RBRACE) {
                close = next();
                break;
            }
            if (t.kind() == Kind.EOF) {
                throw err(t, "unexpected end of input: '}' missing for ct helper \"" + nameTok.text() + "\"");
            }
            if (t.isWord("type")) {
                if (type != null) {
                    throw err(t, "ct helper type given twice");
                }
                next();
                Token v = peek();
                if (v.kind() == Kind.WORD) {
                    throw err(v, "the helper type must be a quoted string, e.g. type \"ftp\"");
                }
                typeTok = expect(Kind.STRING, "the helper type as a quoted string, e.g. \"ftp\"");
                type = typeTok.text();
                if (type.isEmpty() || type.getBytes(StandardCharsets.UTF_8).length > 15) {
                    throw err(typeTok, "invalid helper type \"" + Lexer.abbreviate(type)
                            + "\" (1 to 15 characters)");
                }
                Token p = peek();
                if (!p.isWord("protocol")) {
                    throw err(p, "expected \"protocol\" after the helper type, found " + p.describe());
                }
                next();
                protoTok = peek();
                if (protoTok.isWord("tcp")) {
                    proto = 6;
                } else if (protoTok.isWord("udp")) {
                    proto = 17;
                } else {
                    throw err(protoTok, "expected tcp or udp as helper protocol, found " + protoTok.describe());
                }
                next();
                requireTerminator("the helper type and protocol");
            } else if (t.isWord("l3proto")) {
                if (l3 != null) {
                    throw err(t, "ct helper l3proto given twice");
                }
                next();
                l3Tok = expectWord("ip, ip6 or inet after \"l3proto\"");
                Optional<Family> fam = Family.fromKeyword(l3Tok.text());
                if (fam.isEmpty()) {
                    throw err(l3Tok, "expected ip, ip6 or inet after \"l3proto\", found " + l3Tok.describe());
                }
                l3 = fam.get();
                requireTerminator("the l3proto");
            } else {
                throw err(t, "unsupported ct helper attribute " + t.describe() + " (supported: type, l3proto)");
            }
        }
        if (type == null) {
            throw err(close, "ct helper \"" + nameTok.text() + "\" needs a type: type \"ftp\" protocol tcp");
        }
        Symbols.KernelHelper kh = Symbols.kernelHelper(type);
        if (kh == null) {
            throw err(typeTok, "unknown conntrack helper type \"" + type + "\" (the kernel has: ftp, tftp, irc, "
                    + "sane, sip, amanda, pptp, snmp, netbios-ns, H.245, Q.931, RAS)");
        }
        if (!kh.protocols().contains(proto)) {
            throw err(protoTok, "conntrack helper \"" + type + "\" does not handle " + protoTok.text());
        }
        if (l3 == null) {
            l3 = ctx.family;
        } else if (ctx.family != Family.INET && l3 != ctx.family && l3 != Family.INET) {
            throw err(l3Tok, "l3proto " + l3.keyword() + " is not valid in an " + ctx.family.keyword() + " table");
        }
        boolean supported = l3 == Family.IP ? kh.ipv4() : l3 == Family.IP6 ? kh.ipv6() : kh.ipv4() || kh.ipv6();
        if (!supported) {
            throw err(typeTok, "conntrack helper \"" + type + "\" has no " + (l3 == Family.IP ? "IPv4" : "IPv6")
                    + " version");
        }
        ctx.helpers.put(nameTok.text(), new CtHelperObject(nameTok.text(), type, proto, l3, pos(kw)));
    }

    // ------------------------------------------------------------------------------------------------ chain

    private void parseChain(TableCtx ctx) throws RulesetParseException {
        Token kw = next();
        Token nameTok = expectName("chain name");
        String name = nameTok.text();
        Chain prev = ctx.chains.get(name);
        if (prev != null) {
            throw err(nameTok, "duplicate chain \"" + name + "\" in table " + ctx.describe()
                    + " (first declared at line " + prev.position().line() + ")");
        }
        Token open = expect(Kind.LBRACE, "'{' after the chain name");
        Token typeTok = null;
        ChainType type = null;
        Hook hook = null;
        ChainPriority priority = null;
        Token policyTok = null;
        Policy policy = null;
        List<Rule> rules = new ArrayList<>();
        while (true) {
            skipSeparators();
            Token t = peek();
            if (t.kind() == Kind.RBRACE) {
                next();
                break;
            }
            if (t.kind() == Kind.EOF) {
                throw err(t, "unexpected end of input: '}' missing for chain \"" + name + "\" opened at line "
                        + open.line());
            }
            if (t.isWord("type")) {
                if (typeTok != null) {
                    throw err(t, "chain type, hook and priority given twice for chain \"" + name + "\"");
                }
                typeTok = next();
                Token tt = expectWord("a chain type (filter, nat)");
                Optional<ChainType> ct = ChainType.fromKeyword(tt.text());
                if (ct.isEmpty()) {
                    throw err(tt, (tt.text().equals("route") ? "chain type \"route\" is not supported"
                            : "unknown chain type \"" + Lexer.abbreviate(tt.text()) + "\"")
                            + " (supported: filter, nat)");
                }
                type = ct.get();
                Token hk = peek();
                if (!hk.isWord("hook")) {
                    throw err(hk, "expected \"hook\" after the chain type, found " + hk.describe());
                }
                next();
                Token ht = expectWord("a hook (prerouting, input, forward, output, postrouting)");
                Optional<Hook> h = Hook.fromKeyword(ht.text());
                if (h.isEmpty()) {
                    throw err(ht, "unsupported hook \"" + Lexer.abbreviate(ht.text())
                            + "\" (supported: prerouting, input, forward, output, postrouting)");
                }
                hook = h.get();
                if (!type.allows(hook)) {
                    throw err(ht, "a " + type.keyword() + " chain cannot use the " + hook.keyword()
                            + " hook (supported: prerouting, input, output, postrouting)");
                }
                Token pk = peek();
                if (pk.isWord("device") || pk.isWord("devices")) {
                    throw err(pk, "chain devices are not supported");
                }
                if (!pk.isWord("priority")) {
                    throw err(pk, "expected \"priority\" after the hook, found " + pk.describe()
                            + " (a base chain needs type, hook and priority)");
                }
                next();
                Token prioStart = peek();
                priority = parsePriority(hook);
                if (type == ChainType.NAT && priority.value() <= -200) {
                    throw err(prioStart, "a nat chain needs a priority above -200 (conntrack runs at -200), not "
                            + priority.value());
                }
                requireTerminator("the chain priority");
            } else if (t.isWord("policy")) {
                if (policyTok != null) {
                    throw err(t, "chain policy given twice");
                }
                policyTok = next();
                Token v = expectWord("accept or drop after \"policy\"");
                if (v.text().equals("accept")) {
                    policy = Policy.ACCEPT;
                } else if (v.text().equals("drop")) {
                    policy = Policy.DROP;
                } else {
                    throw err(v, "expected accept or drop after \"policy\", found " + v.describe());
                }
                requireTerminator("the chain policy");
            } else if (t.isWord("comment")) {
                throw err(t, "chain comments are not supported (a rule comment goes after the rule's statements)");
            } else if (t.isWord("flags") || t.isWord("devices") || t.isWord("device")) {
                throw err(t, "chain attribute \"" + t.text() + "\" is not supported");
            } else {
                rules.add(parseRule(ctx, name));
                requireTerminator("the rule");
            }
        }
        if (policyTok != null && typeTok == null) {
            throw err(policyTok, "a policy is only allowed in base chains (chain \"" + name
                    + "\" has no type/hook/priority)");
        }
        Optional<BaseChainSpec> spec = typeTok == null ? Optional.empty()
                : Optional.of(new BaseChainSpec(type, hook, priority, policy == null ? Policy.ACCEPT : policy));
        ctx.chains.put(name, new Chain(name, spec, rules, pos(kw)));
    }

    /**
     * {@code N}, {@code NAME}, {@code NAME + N}, {@code NAME - N} (spaces optional, nft syntax); the names as in
     * {@link StandardPriority}. The value must fit in 32 bits.
     */
    private ChainPriority parsePriority(Hook hook) throws RulesetParseException {
        Token first = peek();
        if (first.kind() != Kind.WORD) {
            throw err(first, "expected a priority (a number, or raw, mangle, dstnat, filter, security, srcnat), "
                    + "found " + first.describe());
        }
        List<Token> toks = new ArrayList<>();
        toks.add(next());
        while (peek().kind() == Kind.WORD && toks.size() < 4) {
            String prevText = toks.get(toks.size() - 1).text();
            String nextText = peek().text();
            boolean join = prevText.endsWith("+") || prevText.endsWith("-") || nextText.startsWith("+")
                    || nextText.startsWith("-");
            if (!join) {
                break;
            }
            toks.add(next());
        }
        StringBuilder joined = new StringBuilder();
        for (Token t : toks) {
            joined.append(t.text());
        }
        String original = text.substring(first.start(), toks.get(toks.size() - 1).end());
        String s = joined.toString();
        long value;
        int i = 0;
        if (Character.isLetter(s.charAt(0))) {
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            String name = s.substring(0, i);
            Optional<StandardPriority> sp = StandardPriority.fromKeyword(name);
            if (sp.isEmpty()) {
                throw err(first, "unknown priority \"" + Lexer.abbreviate(name)
                        + "\" (known: raw, mangle, dstnat, filter, security, srcnat)");
            }
            if (!sp.get().validFor(hook)) {
                throw err(first, "priority \"" + name + "\" is not valid for the " + hook.keyword() + " hook ("
                        + (sp.get() == StandardPriority.DSTNAT ? "prerouting" : "postrouting") + " only)");
            }
            value = sp.get().value();
            if (i < s.length()) {
                char sign = s.charAt(i);
                String num = s.substring(i + 1);
                long off = Numbers.parse(num);
                if ((sign != '+' && sign != '-') || off < 0) {
                    throw err(first, "invalid priority \"" + Lexer.abbreviate(original)
                            + "\" (expected NAME, NAME + N, NAME - N or a number)");
                }
                value = sign == '+' ? value + off : value - off;
            }
        } else {
            boolean neg = s.startsWith("-");
            long v = Numbers.parse(neg ? s.substring(1) : s);
            if (v == Numbers.TOO_BIG) {
                throw err(first, "priority " + Lexer.abbreviate(s) + " out of range (a 32-bit signed number)");
            }
            if (v < 0) {
                throw err(first, "invalid priority \"" + Lexer.abbreviate(original)
                        + "\" (expected a number, or raw, mangle, dstnat, filter, security, srcnat with an"
                        + " optional + N / - N)");
            }
            value = neg ? -v : v;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw err(first, "priority " + value + " out of range (a 32-bit signed number)");
        }
        return new ChainPriority((int) value, original);
    }

    // ------------------------------------------------------------------------------------------------ rule

    /** IP protocols nft (1.0.6) has header descriptions for; only these take part in conflict checks. */
    private static final Set<Integer> KNOWN_TRANSPORTS = Set.of(1, 2, 6, 17, 33, 50, 51, 58, 108, 132, 136);

    /**
     * Protocol context of the rule being parsed, for nft's dependency checks: which network and transport protocol
     * earlier matches fixed. A set of several protocols leaves the context ambiguous, and nft then refuses any header
     * match of that layer ("meta l4proto { tcp, udp } tcp dport 1" is refused by nft 1.0.6).
     */
    private static final class RuleCtx {
        Family network;
        /** Network protocols of an earlier "meta nfproto { ... }" set, or null. */
        Set<Family> networkSet;
        int transport = -1;
        /** Known transport protocols of an earlier protocol set match with more than one of them, or null. */
        Set<Integer> transportSet;
        /** A transport protocol was matched, so NAT may map ports. */
        boolean l4Known;

        RuleCtx(Family tableFamily) {
            network = tableFamily == Family.INET ? null : tableFamily;
        }
    }

    private Rule parseRule(TableCtx ctx, String chainName) throws RulesetParseException {
        Token start = peek();
        RuleCtx rc = new RuleCtx(ctx.family);
        List<RuleElement> elements = new ArrayList<>();
        Statement terminal = null;
        Optional<String> comment = Optional.empty();
        while (true) {
            Token t = peek();
            if (t.isTerminator() || t.kind() == Kind.RBRACE || t.kind() == Kind.EOF) {
                break;
            }
            if (t.isWord("comment")) {
                if (elements.isEmpty()) {
                    throw err(t, "chain comments are not supported (a rule comment goes after the rule's "
                            + "statements)");
                }
                next();
                Token v = expectText("the comment text after \"comment\"");
                if (v.text().getBytes(StandardCharsets.UTF_8).length > 128) {
                    throw err(v, "comment longer than 128 bytes");
                }
                comment = Optional.of(v.text());
                break;
            }
            if (terminal != null) {
                throw err(t, "statement after terminal statement \"" + terminal + "\" has no effect (found "
                        + t.describe() + ")");
            }
            if (elements.size() >= NftParser.MAX_RULE_ELEMENTS) {
                throw err(t, "too many matches and statements in one rule (limit " + NftParser.MAX_RULE_ELEMENTS
                        + ")");
            }
            RuleElement e = parseElement(ctx, rc, chainName);
            elements.add(e);
            if (e instanceof Statement s && s.isTerminal()) {
                terminal = s;
            }
        }
        return new Rule(elements, comment, pos(start));
    }

    private RuleElement parseElement(TableCtx ctx, RuleCtx rc, String chainName) throws RulesetParseException {
        Token t = peek();
        if (t.kind() != Kind.WORD) {
            throw err(t, "expected a match or a statement, found " + t.describe());
        }
        switch (t.text()) {
            case "iifname":
                next();
                return parseMatch(Selector.IIFNAME, t, ctx, rc);
            case "oifname":
                next();
                return parseMatch(Selector.OIFNAME, t, ctx, rc);
            case "iif":
                next();
                return parseMatch(Selector.IIF, t, ctx, rc);
            case "oif":
                next();
                return parseMatch(Selector.OIF, t, ctx, rc);
            case "meta":
                return parseMeta(ctx, rc);
            case "ip":
                return parseHeader(ctx, rc, "ip", new String[] {"protocol", "saddr", "daddr"},
                        new Selector[] {Selector.IP_PROTOCOL, Selector.IP_SADDR, Selector.IP_DADDR});
            case "ip6":
                return parseHeader(ctx, rc, "ip6", new String[] {"nexthdr", "saddr", "daddr"},
                        new Selector[] {Selector.IP6_NEXTHDR, Selector.IP6_SADDR, Selector.IP6_DADDR});
            case "tcp":
                return parseHeader(ctx, rc, "tcp", new String[] {"sport", "dport"},
                        new Selector[] {Selector.TCP_SPORT, Selector.TCP_DPORT});
            case "udp":
                return parseHeader(ctx, rc, "udp", new String[] {"sport", "dport"},
                        new Selector[] {Selector.UDP_SPORT, Selector.UDP_DPORT});
            case "ct":
                return parseCt(ctx, rc);
            case "accept":
                next();
                return VerdictStatement.accept();
            case "drop":
                next();
                return VerdictStatement.drop();
            case "return":
                next();
                return VerdictStatement.ret();
            case "jump":
            case "goto": {
                next();
                Token target = expectName("chain name after \"" + t.text() + "\"");
                ctx.jumps.add(new Validator.Ref(chainName, target.text(), pos(target)));
                return t.text().equals("jump") ? VerdictStatement.jump(target.text())
                        : VerdictStatement.goTo(target.text());
            }
            case "counter":
                return parseCounter();
            case "log":
                return parseLog();
            case "notrack":
                next();
                return new NotrackStatement();
            case "masquerade":
                return parseNat(NatStatement.Kind.MASQUERADE, ctx, rc, chainName);
            case "snat":
                return parseNat(NatStatement.Kind.SNAT, ctx, rc, chainName);
            case "dnat":
                return parseNat(NatStatement.Kind.DNAT, ctx, rc, chainName);
            case "redirect":
                return parseNat(NatStatement.Kind.REDIRECT, ctx, rc, chainName);
            default:
                if (UNSUPPORTED_STATEMENTS.contains(t.text())) {
                    throw err(t, "unsupported statement \"" + t.text() + "\" (supported: " + SUPPORTED_STATEMENTS
                            + ")");
                }
                if (UNSUPPORTED_MATCHES.contains(t.text())) {
                    throw err(t, "unsupported match \"" + t.text() + "\" (supported: " + SUPPORTED_MATCHES + ")");
                }
                throw err(t, "unexpected " + t.describe() + ": expected a match (" + SUPPORTED_MATCHES
                        + ") or a statement (" + SUPPORTED_STATEMENTS + ")");
        }
    }

    private Match parseMeta(TableCtx ctx, RuleCtx rc) throws RulesetParseException {
        Token meta = next();
        Token k = expectWord("a meta key after \"meta\"");
        Selector sel;
        switch (k.text()) {
            case "l4proto":
                sel = Selector.META_L4PROTO;
                break;
            case "nfproto":
                sel = Selector.META_NFPROTO;
                break;
            case "iifname":
                sel = Selector.IIFNAME;
                break;
            case "oifname":
                sel = Selector.OIFNAME;
                break;
            case "iif":
                sel = Selector.IIF;
                break;
            case "oif":
                sel = Selector.OIF;
                break;
            default:
                if (peek().isWord("set")) {
                    throw err(meta, "unsupported statement \"meta " + Lexer.abbreviate(k.text()) + " set\" (supported: "
                            + SUPPORTED_STATEMENTS + ")");
                }
                throw err(k, "unsupported meta key \"" + Lexer.abbreviate(k.text())
                        + "\" (supported: l4proto, nfproto, iifname, oifname, iif, oif)");
        }
        return parseMatch(sel, meta, ctx, rc);
    }

    private Match parseHeader(TableCtx ctx, RuleCtx rc, String proto, String[] fields, Selector[] selectors)
            throws RulesetParseException {
        Token p = next();
        Token f = peek();
        if (f.kind() == Kind.WORD) {
            for (int i = 0; i < fields.length; i++) {
                if (fields[i].equals(f.text())) {
                    next();
                    return parseMatch(selectors[i], p, ctx, rc);
                }
            }
        }
        throw err(f, "unsupported " + proto + " header field " + f.describe() + " (supported: "
                + String.join(", ", fields) + ")");
    }

    private RuleElement parseCt(TableCtx ctx, RuleCtx rc) throws RulesetParseException {
        Token ct = next();
        Token k = expectWord("a conntrack key after \"ct\"");
        switch (k.text()) {
            case "helper": {
                Token s = peek();
                if (!s.isWord("set")) {
                    throw err(s, "\"ct helper\" is only supported as a statement: ct helper set \"NAME\"");
                }
                next();
                Token v = expectText("the ct helper object name after \"ct helper set\"");
                if (v.text().isEmpty()) {
                    throw err(v, "empty ct helper name");
                }
                ctx.helperRefs.add(new Validator.Ref(null, v.text(), pos(v)));
                return new CtHelperSetStatement(v.text());
            }
            case "mark":
                if (peek().isWord("set")) {
                    next();
                    Phrase ph = readPhrase("a mark value after \"ct mark set\"");
                    long v = parseSingleNumber(ValueKind.CT_MARK, ph, 0, ph.length());
                    return new CtMarkSetStatement(v);
                }
                return parseMatch(Selector.CT_MARK, ct, ctx, rc);
            case "state":
            case "direction":
            case "status":
                if (peek().isWord("set")) {
                    throw err(ct, "unsupported statement \"ct " + k.text() + " set\" (supported: "
                            + SUPPORTED_STATEMENTS + ")");
                }
                return parseMatch(k.text().equals("state") ? Selector.CT_STATE
                        : k.text().equals("direction") ? Selector.CT_DIRECTION : Selector.CT_STATUS, ct, ctx, rc);
            default:
                if (peek().isWord("set")) {
                    throw err(ct, "unsupported statement \"ct " + Lexer.abbreviate(k.text()) + " set\" (supported: "
                            + SUPPORTED_STATEMENTS + ")");
                }
                throw err(k, "unsupported ct key \"" + Lexer.abbreviate(k.text())
                        + "\" (supported: state, direction, status, mark, and the statements ct helper set, "
                        + "ct mark set)");
        }
    }

    // ------------------------------------------------------------------------------------------------ matches

    private Match parseMatch(Selector sel, Token selTok, TableCtx ctx, RuleCtx rc) throws RulesetParseException {
        if (sel == Selector.META_NFPROTO && ctx.family != Family.INET) {
            throw err(selTok, "meta nfproto is only useful in the inet family (this is an "
                    + ctx.family.keyword() + " table)");
        }
        if (sel.network() != null) {
            Family other = rc.network;
            if (rc.networkSet != null) {
                other = rc.networkSet.stream().filter(f -> f != sel.network()).findFirst().orElse(null);
            }
            if (other != null && other != sel.network()) {
                throw err(selTok, "conflicting protocols specified: " + other.keyword() + " vs. "
                        + sel.network().keyword());
            }
            rc.network = sel.network();
            rc.networkSet = null;
        }
        if (sel.transport() >= 0) {
            int other = rc.transport;
            if (rc.transportSet != null) {
                other = rc.transportSet.stream().filter(p -> p != sel.transport()).findFirst().orElse(-1);
            }
            if (other >= 0 && other != sel.transport()) {
                throw err(selTok, "conflicting protocols specified: " + Symbols.protocolName(other) + " vs. "
                        + Symbols.protocolName(sel.transport()));
            }
            rc.transport = sel.transport();
            rc.transportSet = null;
            rc.l4Known = true;
        }
        Token opTok = peek();
        Op op = parseOp();
        ValueKind kind = sel.kind();
        if (op.isRelational() && !kind.isOrdered()) {
            throw err(opTok, "operator \"" + op.symbol() + "\" is not supported for " + sel.keyword()
                    + " (only ==, != and no operator)");
        }
        Operand value;
        Token valTok = peek();
        if (valTok.kind() == Kind.LBRACE) {
            if (op.isRelational()) {
                throw err(opTok, "operator \"" + op.symbol() + "\" cannot be used with a set");
            }
            value = parseSet(sel);
            if (kind.isBitmask() && value instanceof Operand.Num n) {
                // nft compiles a one-element flag set like the bare flags: "ct status { assured }" tests the bit,
                // "ct status == { assured }" and "!= { assured }" compare the whole value (nft 1.0.6 --debug=netlink)
                value = new Operand.Flags(n.value());
            }
        } else if (kind.isBitmask()) {
            value = parseFlagList(sel);
        } else {
            value = parseValue(sel);
            if (op.isRelational() && (value instanceof Operand.Range
                    || value instanceof IpAddress a && !a.isHost())) {
                throw err(valTok, "operator \"" + op.symbol() + "\" needs a single value, not a range or prefix");
            }
        }
        if (op == Op.EQ && !(kind.isBitmask() && value instanceof Operand.Flags)) {
            op = Op.IMPLICIT; // nft prints and evaluates "== X" as "X" here
        }
        if (kind == ValueKind.PROTOCOL && op == Op.IMPLICIT) {
            updateTransportContext(rc, value);
        }
        if (sel == Selector.META_NFPROTO && op == Op.IMPLICIT) {
            updateNetworkContext(rc, value);
        }
        return new Match(sel, op, value);
    }

    /** An equality match on a protocol field fixes the transport protocol for later header matches. */
    private static void updateTransportContext(RuleCtx rc, Operand value) {
        Set<Integer> known = new TreeSet<>();
        if (value instanceof Operand.Num n) {
            rc.l4Known = true;
            if (KNOWN_TRANSPORTS.contains((int) n.value())) {
                known.add((int) n.value());
            }
        } else if (value instanceof Operand.SetOf set) {
            rc.l4Known = true;
            for (Operand e : set.elements()) {
                if (e instanceof Operand.Num n && KNOWN_TRANSPORTS.contains((int) n.value())) {
                    known.add((int) n.value());
                }
            }
        }
        if (known.size() == 1) {
            rc.transport = known.iterator().next();
            rc.transportSet = null;
        } else if (known.size() > 1) {
            rc.transportSet = known;
        }
    }

    /** "meta nfproto X" (inet only) switches the network protocol context without a conflict check, as nft does. */
    private static void updateNetworkContext(RuleCtx rc, Operand value) {
        if (value instanceof Operand.Num n) {
            rc.network = n.value() == 2 ? Family.IP : Family.IP6;
            rc.networkSet = null;
        } else if (value instanceof Operand.SetOf set) {
            Set<Family> fams = EnumSet.noneOf(Family.class);
            for (Operand e : set.elements()) {
                fams.add(((Operand.Num) e).value() == 2 ? Family.IP : Family.IP6);
            }
            if (fams.size() == 1) {
                rc.network = fams.iterator().next();
                rc.networkSet = null;
            } else {
                rc.networkSet = fams;
            }
        }
    }

    private Op parseOp() throws RulesetParseException {
        Token t = peek();
        Op op;
        switch (t.kind()) {
            case EQ:
                op = Op.EQ;
                break;
            case NE:
                op = Op.NE;
                break;
            case LT:
                op = Op.LT;
                break;
            case GT:
                op = Op.GT;
                break;
            case LE:
                op = Op.LE;
                break;
            case GE:
                op = Op.GE;
                break;
            case WORD:
                switch (t.text()) {
                    case "eq":
                        op = Op.EQ;
                        break;
                    case "ne":
                        op = Op.NE;
                        break;
                    case "lt":
                        op = Op.LT;
                        break;
                    case "gt":
                        op = Op.GT;
                        break;
                    case "le":
                        op = Op.LE;
                        break;
                    case "ge":
                        op = Op.GE;
                        break;
                    default:
                        return Op.IMPLICIT;
                }
                break;
            default:
                return Op.IMPLICIT;
        }
        next();
        return op;
    }

    /** {@code name[,name...]} or {@code name | name}, names or numbers, for ct state / ct status. */
    private Operand parseFlagList(Selector sel) throws RulesetParseException {
        long bits = 0;
        while (true) {
            bits |= parseFlag(sel);
            Kind k = peek().kind();
            if (k == Kind.COMMA || k == Kind.PIPE) {
                next();
                continue;
            }
            return new Operand.Flags(bits);
        }
    }

    private long parseFlag(Selector sel) throws RulesetParseException {
        Token v = peek();
        if (v.kind() != Kind.WORD) {
            throw err(v, "expected a " + sel.keyword() + " value (" + Symbols.flagNameList(sel.kind()) + "), found "
                    + v.describe());
        }
        next();
        long bit = Symbols.flagValue(sel.kind(), v.text());
        if (bit >= 0) {
            return bit;
        }
        long n = Numbers.parse(v.text());
        if (n >= 0 && n <= 0xffffffffL) {
            return n;
        }
        if (n == Numbers.TOO_BIG || n > 0xffffffffL) {
            throw err(v, sel.keyword() + " value " + Lexer.abbreviate(v.text()) + " out of range (32 bits)");
        }
        throw err(v, "unknown " + sel.keyword() + " \"" + Lexer.abbreviate(v.text()) + "\" (known: "
                + Symbols.flagNameList(sel.kind()) + ")");
    }

    /** An anonymous set, canonical: sorted, duplicates removed, intervals merged; one element is not a set. */
    private Operand parseSet(Selector sel) throws RulesetParseException {
        List<Operand> raw = new ArrayList<>();
        parseSetInto(sel, raw, 1);
        return SetCanon.canonical(sel.kind(), raw);
    }

    private void parseSetInto(Selector sel, List<Operand> out, int depth) throws RulesetParseException {
        Token open = next(); // '{'
        if (depth > NftParser.MAX_SET_DEPTH) {
            throw err(open, "sets nested deeper than " + NftParser.MAX_SET_DEPTH + " levels");
        }
        skipNewlines();
        if (peek().kind() == Kind.RBRACE) {
            throw err(peek(), "empty set");
        }
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.kind() == Kind.LBRACE) {
                parseSetInto(sel, out, depth + 1);
            } else if (sel.kind().isBitmask()) {
                out.add(new Operand.Num(parseFlag(sel)));
            } else {
                out.add(parseValue(sel));
            }
            if (out.size() > NftParser.MAX_SET_ELEMENTS) {
                throw err(t, "set with more than " + NftParser.MAX_SET_ELEMENTS + " elements");
            }
            skipNewlines();
            Token sep = peek();
            if (sep.kind() == Kind.COMMA) {
                next();
                skipNewlines();
                if (peek().kind() == Kind.RBRACE) {
                    next();
                    return;
                }
            } else if (sep.kind() == Kind.RBRACE) {
                next();
                return;
            } else {
                throw err(sep, "expected ',' or '}' in the set, found " + sep.describe());
            }
        }
    }

    /** One value (or range, or prefix) for a selector, outside flag lists. */
    private Operand parseValue(Selector sel) throws RulesetParseException {
        ValueKind kind = sel.kind();
        Token t = peek();
        switch (kind) {
            case IFNAME:
            case IFINDEX:
                return parseInterface(sel);
            case NFPROTO: {
                Token v = expectWord("ipv4 or ipv6 after \"meta nfproto\"");
                if (v.text().equals("ipv4") || v.text().equals("2")) {
                    return new Operand.Num(2);
                }
                if (v.text().equals("ipv6") || v.text().equals("10")) {
                    return new Operand.Num(10);
                }
                throw err(v, "unknown meta nfproto \"" + Lexer.abbreviate(v.text()) + "\" (known: ipv4, ipv6)");
            }
            case CT_DIRECTION: {
                Token v = expectWord("original or reply after \"ct direction\"");
                switch (v.text()) {
                    case "original":
                    case "0":
                        return new Operand.Num(0);
                    case "reply":
                    case "1":
                        return new Operand.Num(1);
                    default:
                        throw err(v, "unknown ct direction \"" + Lexer.abbreviate(v.text())
                                + "\" (known: original, reply)");
                }
            }
            case IPV4_ADDR:
            case IPV6_ADDR: {
                boolean v6 = kind == ValueKind.IPV6_ADDR;
                if (v6 && t.kind() == Kind.LBRACKET) {
                    next();
                    Phrase ph = readPhrase("an IPv6 address");
                    expect(Kind.RBRACKET, "']' after the IPv6 address");
                    return parseHost(ph, 0, ph.length(), true);
                }
                Phrase ph = readPhrase("an " + (v6 ? "IPv6" : "IPv4") + " address after \"" + sel.keyword() + "\"");
                return parseAddressOperand(ph, 0, ph.length(), v6);
            }
            default: {
                Phrase ph = readPhrase("a value after \"" + sel.keyword() + "\"");
                return parseNumericOperand(kind, ph, 0, ph.length());
            }
        }
    }

    private Operand parseInterface(Selector sel) throws RulesetParseException {
        Token v = peek();
        if (v.kind() != Kind.STRING && v.kind() != Kind.WORD) {
            throw err(v, "expected an interface name after \"" + sel.keyword() + "\", found " + v.describe());
        }
        next();
        String s = v.text();
        if (v.kind() == Kind.WORD) {
            if (Symbols.RESERVED.contains(s)) {
                throw err(v, "expected an interface name after \"" + sel.keyword() + "\", found keyword \"" + s
                        + "\" (quote it if it really is the name)");
            }
            if (sel.kind() == ValueKind.IFINDEX && Numbers.parse(s) >= 0) {
                long idx = Numbers.parse(s);
                if (idx == 0 || idx > 0xffffffffL) {
                    throw err(v, "interface index " + s + " out of range (1-4294967295)");
                }
                return new Operand.Num(idx);
            }
            char c0 = s.charAt(0);
            if (!(Character.isLetter(c0) || c0 == '_' || c0 == '.')) {
                throw err(v, "unquoted interface name \"" + Lexer.abbreviate(s) + "\" must start with a letter, '_'"
                        + " or '.' (quote the name)");
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ':' || c == '+' || (c == '*' && i != s.length() - 1)) {
                    throw err(v, "invalid character '" + c + "' in unquoted interface name \"" + Lexer.abbreviate(s)
                            + "\" (quote the name)");
                }
            }
        }
        if (s.isEmpty()) {
            throw err(v, "empty interface name");
        }
        boolean wildcard = false;
        String name = s;
        if (s.endsWith("\\*")) {
            name = s.substring(0, s.length() - 2) + "*";
        } else if (s.endsWith("*")) {
            wildcard = true;
            name = s.substring(0, s.length() - 1);
            if (name.isEmpty()) {
                throw err(v, "a lone \"*\" wildcard is not supported (nft: all-wildcard strings are not supported)");
            }
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 15) {
            throw err(v, "interface name \"" + Lexer.abbreviate(name) + "\" longer than 15 bytes");
        }
        if (sel.kind() == ValueKind.IFINDEX && wildcard) {
            throw err(v, "wildcards are only supported with iifname/oifname, not " + sel.keyword());
        }
        return new Operand.IfName(name, wildcard);
    }

    // ------------------------------------------------------------------------------------------------ phrases

    /**
     * The text of one value, with the positions of its characters. Words that nft would read as one value even when
     * written with spaces ({@code 1 - 3}, {@code 10.0.0.0 /8}) are joined.
     */
    static final class Phrase {
        private final StringBuilder sb = new StringBuilder();
        private final List<int[]> segments = new ArrayList<>(); // {offset in phrase, line, column}
        private final String source;
        boolean quoted;

        Phrase(String source) {
            this.source = source;
        }

        void add(Token t, String s, int columnShift) {
            segments.add(new int[] {sb.length(), t.line(), t.column() + columnShift});
            sb.append(s);
        }

        int length() {
            return sb.length();
        }

        String text() {
            return sb.toString();
        }

        String sub(int from, int to) {
            return sb.substring(from, to);
        }

        SourcePos posAt(int index) {
            int[] best = segments.get(0);
            for (int[] s : segments) {
                if (s[0] <= index) {
                    best = s;
                }
            }
            return new SourcePos(source, best[1], best[2] + (index - best[0]));
        }
    }

    private Phrase readPhrase(String what) throws RulesetParseException {
        Token first = peek();
        Phrase ph = new Phrase(source);
        if (first.kind() == Kind.STRING) {
            next();
            ph.add(first, first.text(), 1);
            ph.quoted = true;
            return ph;
        }
        if (first.kind() != Kind.WORD) {
            throw err(first, "expected " + what + ", found " + first.describe());
        }
        next();
        ph.add(first, first.text(), 0);
        String last = first.text();
        while (peek().kind() == Kind.WORD) {
            String n = peek().text();
            boolean join = last.endsWith("-") || last.endsWith("/") || n.startsWith("-") || n.startsWith("/");
            if (!join) {
                break;
            }
            Token t = next();
            ph.add(t, n, 0);
            last = n;
            if (ph.length() > MAX_PHRASE) {
                throw err(first, "value longer than " + MAX_PHRASE + " characters");
            }
        }
        return ph;
    }

    // ------------------------------------------------------------------------------------------------ numbers

    /** A number, name or range {@code lo-hi} of ports, protocols or marks within {@code ph[from, to)}. */
    private Operand parseNumericOperand(ValueKind kind, Phrase ph, int from, int to) throws RulesetParseException {
        String s = ph.sub(from, to);
        if (symbolValue(kind, s) >= 0) {
            return new Operand.Num(symbolValue(kind, s));
        }
        for (int i = 1; i < s.length() - 1; i++) {
            if (s.charAt(i) != '-') {
                continue;
            }
            // nft reads a name such as "ftp-data" as one word, so only a number can start a range
            String left = s.substring(0, i);
            if (Numbers.parse(left) < 0 && Numbers.parse(left) != Numbers.TOO_BIG) {
                continue;
            }
            long low = parseSingleNumber(kind, ph, from, from + i);
            long high = parseSingleNumber(kind, ph, from + i + 1, to);
            if (low > high) {
                throw err(ph.posAt(from), "range " + s + " has zero or negative size (the low end exceeds the"
                        + " high end)");
            }
            return new Operand.Range(new Operand.Num(low), new Operand.Num(high));
        }
        return new Operand.Num(parseSingleNumber(kind, ph, from, to));
    }

    private static long maxValue(ValueKind kind) {
        switch (kind) {
            case PORT:
                return 65535;
            case PROTOCOL:
                return 255;
            default:
                return 0xffffffffL;
        }
    }

    /** Value of a service or protocol name, or -1. */
    private static long symbolValue(ValueKind kind, String s) {
        if (kind == ValueKind.PORT) {
            return Symbols.servicePort(s);
        }
        if (kind == ValueKind.PROTOCOL) {
            return Symbols.protocolNumber(s);
        }
        return -1;
    }

    private long parseSingleNumber(ValueKind kind, Phrase ph, int from, int to) throws RulesetParseException {
        String s = ph.sub(from, to);
        SourcePos at = ph.posAt(from);
        long sym = symbolValue(kind, s);
        if (sym >= 0) {
            return sym;
        }
        long v = Numbers.parse(s);
        String what = kind == ValueKind.PORT ? "port" : kind == ValueKind.PROTOCOL ? "protocol number" : "ct mark";
        if (v == Numbers.LEADING_ZERO) {
            throw err(at, "number \"" + s + "\" has a leading zero (nft would read it as octal); write it without");
        }
        if (v == Numbers.TOO_BIG || v > maxValue(kind)) {
            throw err(at, what + " " + Lexer.abbreviate(s) + " out of range (0-" + (kind == ValueKind.CT_MARK
                    ? "0xffffffff" : Long.toString(maxValue(kind))) + ")");
        }
        if (v < 0) {
            if (s.isEmpty()) {
                throw err(at, "missing " + what);
            }
            if (kind == ValueKind.PORT) {
                throw err(at, "unknown service \"" + Lexer.abbreviate(s) + "\" (use a port number 0-65535)");
            }
            if (kind == ValueKind.PROTOCOL) {
                throw err(at, "unknown protocol \"" + Lexer.abbreviate(s) + "\" (use a name such as tcp, udp, icmp,"
                        + " or a number 0-255)");
            }
            throw err(at, "invalid ct mark \"" + Lexer.abbreviate(s) + "\" (a number, decimal or 0x hex)");
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------ addresses

    /** Host, prefix ({@code a/len}) or range ({@code a-b}) within {@code ph[from, to)}. */
    private Operand parseAddressOperand(Phrase ph, int from, int to, boolean v6) throws RulesetParseException {
        String s = ph.sub(from, to);
        int slash = s.indexOf('/');
        if (slash >= 0) {
            if (s.indexOf('-') >= 0) {
                throw err(ph.posAt(from), "invalid address \"" + Lexer.abbreviate(s)
                        + "\" (a prefix cannot be part of a range)");
            }
            IpAddress host = parseHost(ph, from, from + slash, v6);
            String len = s.substring(slash + 1);
            long n = Numbers.parse(len);
            int bits = v6 ? 128 : 32;
            if (len.startsWith("0x") || n == Numbers.LEADING_ZERO || (n < 0 && n != Numbers.TOO_BIG)) {
                throw err(ph.posAt(from + slash + 1), "invalid prefix length \"" + Lexer.abbreviate(len) + "\"");
            }
            if (n == Numbers.TOO_BIG || n > bits) {
                throw err(ph.posAt(from + slash + 1), "prefix length " + Lexer.abbreviate(len)
                        + " is out of range for an " + (v6 ? "IPv6" : "IPv4") + " address (0-" + bits + ")");
            }
            return IpAddress.of(host.bytes(), (int) n);
        }
        int dash = s.indexOf('-');
        if (dash >= 0) {
            if (s.indexOf('-', dash + 1) >= 0) {
                throw err(ph.posAt(from), "invalid address range \"" + Lexer.abbreviate(s) + "\"");
            }
            IpAddress lo = parseHost(ph, from, from + dash, v6);
            IpAddress hi = parseHost(ph, from + dash + 1, to, v6);
            if (lo.compareTo(hi) > 0) {
                throw err(ph.posAt(from), "range " + s + " has zero or negative size (the low end exceeds the"
                        + " high end)");
            }
            return new Operand.Range(lo, hi);
        }
        return parseHost(ph, from, to, v6);
    }

    private IpAddress parseHost(Phrase ph, int from, int to, boolean v6) throws RulesetParseException {
        String s = ph.sub(from, to);
        SourcePos at = ph.posAt(from);
        if (s.isEmpty()) {
            throw err(at, "missing " + (v6 ? "IPv6" : "IPv4") + " address");
        }
        byte[] b = v6 ? InetText.parseIpv6(s) : InetText.parseIpv4(s);
        if (b != null) {
            return IpAddress.host(b);
        }
        String shown = Lexer.abbreviate(s);
        if (!v6 && InetText.hasLeadingZeroOctet(s)) {
            throw err(at, "IPv4 address \"" + shown + "\" has a leading zero (nft would read it as octal)");
        }
        if (!v6 && InetText.parseIpv6(s) != null) {
            throw err(at, "expected an IPv4 address, found IPv6 address \"" + shown + "\"");
        }
        if (v6 && InetText.parseIpv4(s) != null) {
            throw err(at, "expected an IPv6 address, found IPv4 address \"" + shown + "\"");
        }
        if (Character.isLetter(s.charAt(0)) && s.indexOf(':') < 0) {
            throw err(at, "hostnames are not supported (\"" + shown + "\"): write an " + (v6 ? "IPv6" : "IPv4")
                    + " address");
        }
        throw err(at, "invalid " + (v6 ? "IPv6" : "IPv4") + " address \"" + shown + "\"");
    }

    // ------------------------------------------------------------------------------------------------ statements

    private Statement parseCounter() throws RulesetParseException {
        next();
        long packets = 0;
        long bytes = 0;
        boolean seenPackets = false;
        boolean seenBytes = false;
        while (peek().isWord("packets") || peek().isWord("bytes")) {
            Token k = next();
            boolean isPackets = k.text().equals("packets");
            if (isPackets ? seenPackets : seenBytes) {
                throw err(k, "counter " + k.text() + " given twice");
            }
            Token v = expectWord("a number after \"" + k.text() + "\"");
            long n;
            try {
                if (!v.text().matches("0|[1-9][0-9]{0,19}")) {
                    throw new NumberFormatException();
                }
                n = Long.parseUnsignedLong(v.text());
            } catch (NumberFormatException e) {
                throw err(v, "invalid counter value \"" + Lexer.abbreviate(v.text())
                        + "\" (a decimal number 0-18446744073709551615)");
            }
            if (isPackets) {
                packets = n;
                seenPackets = true;
            } else {
                bytes = n;
                seenBytes = true;
            }
        }
        return new CounterStatement(packets, bytes);
    }

    private Statement parseLog() throws RulesetParseException {
        Token kw = next();
        Optional<String> prefix = Optional.empty();
        OptionalInt group = OptionalInt.empty();
        LogStatement.Level level = LogStatement.Level.WARN;
        boolean levelGiven = false;
        while (peek().kind() == Kind.WORD) {
            Token k = peek();
            switch (k.text()) {
                case "prefix": {
                    next();
                    if (prefix.isPresent()) {
                        throw err(k, "log prefix given twice");
                    }
                    Token v = expectText("the log prefix after \"prefix\"");
                    if (v.text().getBytes(StandardCharsets.UTF_8).length > 127) {
                        throw err(v, "log prefix longer than 127 bytes");
                    }
                    prefix = Optional.of(v.text());
                    break;
                }
                case "group": {
                    next();
                    if (group.isPresent()) {
                        throw err(k, "log group given twice");
                    }
                    Token v = expectWord("a group number after \"group\"");
                    long n = Numbers.parse(v.text());
                    if (n < 0 || n > 65535) {
                        throw err(v, "log group \"" + Lexer.abbreviate(v.text()) + "\" out of range (0-65535)");
                    }
                    group = OptionalInt.of((int) n);
                    break;
                }
                case "level": {
                    next();
                    if (levelGiven) {
                        throw err(k, "log level given twice");
                    }
                    Token v = expectWord("a log level after \"level\"");
                    level = LogStatement.Level.fromKeyword(v.text()).orElseThrow(() -> new RulesetParseException(
                            source, v.line(), v.column(), "unknown log level \"" + Lexer.abbreviate(v.text())
                                    + "\" (known: emerg, alert, crit, err, warn, notice, info, debug, audit)"));
                    levelGiven = true;
                    break;
                }
                case "snaplen":
                case "queue-threshold":
                case "flags":
                    throw err(k, "log option \"" + k.text() + "\" is not supported (supported: prefix, group, level)");
                default:
                    if (levelGiven && group.isPresent()) {
                        throw err(kw, "log level and group are mutually exclusive");
                    }
                    return new LogStatement(prefix, group, level);
            }
        }
        if (levelGiven && group.isPresent()) {
            throw err(kw, "log level and group are mutually exclusive");
        }
        return new LogStatement(prefix, group, level);
    }

    private Statement parseNat(NatStatement.Kind kind, TableCtx ctx, RuleCtx rc, String chainName)
            throws RulesetParseException {
        Token kw = next();
        Optional<Family> family = Optional.empty();
        Token famTok = null;
        if (kind.takesAddress() && (peek().isWord("ip") || peek().isWord("ip6"))) {
            famTok = next();
            family = Family.fromKeyword(famTok.text());
        }
        Optional<Operand> address = Optional.empty();
        Optional<Operand> ports = Optional.empty();
        SourcePos addrPos = null;
        SourcePos portPos = null;
        if (peek().isWord("to")) {
            next();
            Phrase ph = readNatPhrase();
            String s = ph.text();
            if (!kind.takesAddress()) {
                int from = 0;
                if (s.startsWith(":") && !s.startsWith("::")) {
                    from = 1;
                } else if (kind == NatStatement.Kind.MASQUERADE) {
                    throw err(ph.posAt(0), "masquerade takes only ports: masquerade to :PORT[-PORT]");
                }
                if (from == s.length()) {
                    throw err(ph.posAt(0), "missing port after ':'");
                }
                ports = Optional.of(parseNumericOperand(ValueKind.PORT, ph, from, s.length()));
                portPos = ph.posAt(from);
            } else {
                int addrFrom = 0;
                int addrTo;
                int portFrom = -1;
                boolean bracketed = false;
                if (s.startsWith(":") && !s.startsWith("::")) {
                    addrTo = 0;
                    portFrom = 1;
                } else if (s.startsWith("[")) {
                    bracketed = true;
                    int close = s.indexOf(']');
                    if (close < 0) {
                        throw err(ph.posAt(0), "missing ']' after the bracketed IPv6 address");
                    }
                    addrFrom = 1;
                    addrTo = close;
                    int rest = close + 1;
                    IpAddress lo = parseHost(ph, 1, close, true);
                    Operand addr = lo;
                    if (s.startsWith("-[", rest)) {
                        int close2 = s.indexOf(']', rest + 2);
                        if (close2 < 0) {
                            throw err(ph.posAt(rest + 1), "missing ']' after the bracketed IPv6 address");
                        }
                        IpAddress hi = parseHost(ph, rest + 2, close2, true);
                        if (lo.compareTo(hi) > 0) {
                            throw err(ph.posAt(0), "address range has zero or negative size (the low end exceeds"
                                    + " the high end)");
                        }
                        addr = lo.equals(hi) ? lo : new Operand.Range(lo, hi);
                        rest = close2 + 1;
                    }
                    if (rest < s.length()) {
                        if (s.charAt(rest) != ':') {
                            throw err(ph.posAt(rest), "expected ':PORT' after the bracketed address, found \""
                                    + Lexer.abbreviate(s.substring(rest)) + "\"");
                        }
                        portFrom = rest + 1;
                    }
                    address = Optional.of(addr);
                    addrPos = ph.posAt(0);
                } else {
                    int colons = (int) s.chars().filter(c -> c == ':').count();
                    if (colons == 1) {
                        addrTo = s.indexOf(':');
                        portFrom = addrTo + 1;
                    } else {
                        addrTo = s.length();
                    }
                }
                if (!bracketed && addrTo > addrFrom) {
                    boolean v6 = s.substring(addrFrom, addrTo).indexOf(':') >= 0;
                    Operand a = parseAddressOperand(ph, addrFrom, addrTo, v6);
                    if (a instanceof Operand.Range r && r.low().equals(r.high())) {
                        a = r.low();
                    }
                    address = Optional.of(a);
                    addrPos = ph.posAt(addrFrom);
                }
                if (portFrom >= 0) {
                    if (portFrom >= s.length()) {
                        throw err(ph.posAt(portFrom - 1), "missing port after ':'");
                    }
                    ports = Optional.of(parseNumericOperand(ValueKind.PORT, ph, portFrom, s.length()));
                    portPos = ph.posAt(portFrom);
                }
            }
        } else if (kind.takesAddress()) {
            Token t = peek();
            throw err(t, "expected \"to\" after \"" + kind.keyword() + (famTok != null ? " " + famTok.text() : "")
                    + "\", found " + t.describe());
        }
        Set<NatStatement.Flag> flags = EnumSet.noneOf(NatStatement.Flag.class);
        if (peek().kind() == Kind.WORD && NatStatement.Flag.fromKeyword(peek().text()).isPresent()) {
            while (true) {
                Token f = expectWord("a NAT flag (random, fully-random, persistent)");
                Optional<NatStatement.Flag> flag = NatStatement.Flag.fromKeyword(f.text());
                if (flag.isEmpty()) {
                    throw err(f, "unknown NAT flag " + f.describe() + " (known: random, fully-random, persistent)");
                }
                flags.add(flag.get());
                if (peek().kind() != Kind.COMMA) {
                    break;
                }
                next();
            }
        }
        // family rules of nft
        Optional<Boolean> v6 = address.map(a -> a instanceof IpAddress ip ? ip.isIpv6()
                : ((IpAddress) ((Operand.Range) a).low()).isIpv6());
        if (ctx.family != Family.INET) {
            if (family.isPresent() && family.get() != ctx.family) {
                throw err(famTok, "conflicting protocols specified: " + ctx.family.keyword() + " vs. "
                        + family.get().keyword() + " (this is an " + ctx.family.keyword() + " table)");
            }
            if (v6.isPresent() && v6.get() != (ctx.family == Family.IP6)) {
                throw err(addrPos, (v6.get() ? "IPv6" : "IPv4") + " address in a NAT statement of an "
                        + ctx.family.keyword() + " table");
            }
            family = Optional.empty(); // implied by the table; nft lists it without
        } else if (address.isPresent()) {
            if (family.isEmpty()) {
                throw err(kw, "ip or ip6 must be specified with an address in inet tables (" + kind.keyword()
                        + " ip to ... / " + kind.keyword() + " ip6 to ...)");
            }
            if (v6.get() != (family.get() == Family.IP6)) {
                throw err(addrPos, (v6.get() ? "IPv6" : "IPv4") + " address after \"" + kind.keyword() + " "
                        + family.get().keyword() + " to\"");
            }
        } else if (family.isPresent()) {
            throw err(famTok, "\"" + kind.keyword() + " " + family.get().keyword()
                    + " to\" needs an address (write \"" + kind.keyword() + " to :PORT\" for a port only)");
        }
        if (family.isPresent() && rc.network != null && rc.network != family.get()) {
            throw err(famTok, "conflicting protocols specified: " + rc.network.keyword() + " vs. "
                    + family.get().keyword() + " (the rule already matched " + rc.network.keyword() + ")");
        }
        if (ports.isPresent() && !rc.l4Known) {
            throw err(portPos, "transport protocol mapping is only valid after transport protocol match (add e.g."
                    + " \"meta l4proto tcp\" or \"tcp dport ...\" before " + kind.keyword() + ")");
        }
        ctx.nats.add(new Validator.NatRef(chainName, kind, pos(kw)));
        return new NatStatement(kind, family, address, ports, flags);
    }

    /** The target after "to": words and brackets nft reads as one address/port expression. */
    private Phrase readNatPhrase() throws RulesetParseException {
        Token first = peek();
        if (first.kind() != Kind.WORD && first.kind() != Kind.LBRACKET) {
            throw err(first, "expected an address or :PORT after \"to\", found " + first.describe());
        }
        Phrase ph = new Phrase(source);
        Token prev = next();
        ph.add(prev, prev.text(), 0);
        while (true) {
            Token n = peek();
            boolean join = false;
            String p = prev.text();
            if (n.kind() == Kind.WORD) {
                char c2 = n.text().charAt(0);
                join = prev.kind() == Kind.LBRACKET || p.endsWith("-") || p.endsWith("/") || p.equals(":")
                        || c2 == '-' || c2 == '/' || c2 == ':';
            } else if (n.kind() == Kind.RBRACKET) {
                join = true;
            } else if (n.kind() == Kind.LBRACKET) {
                join = p.endsWith("-");
            }
            if (!join) {
                break;
            }
            prev = next();
            ph.add(prev, prev.text(), 0);
            if (ph.length() > MAX_PHRASE) {
                throw err(first, "NAT target longer than " + MAX_PHRASE + " characters");
            }
        }
        return ph;
    }
}
