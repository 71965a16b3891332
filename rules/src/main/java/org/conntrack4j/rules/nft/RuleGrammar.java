package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.Bracketed;
import org.conntrack4j.rules.nft.Syntax.ConnLimitNode;
import org.conntrack4j.rules.nft.Syntax.CtLabelSetNode;
import org.conntrack4j.rules.nft.Syntax.FlowAddNode;
import org.conntrack4j.rules.nft.Syntax.CtObjectSetNode;
import org.conntrack4j.rules.nft.Syntax.CtZoneSetNode;
import org.conntrack4j.rules.nft.Syntax.MetaMarkSetNode;
import org.conntrack4j.rules.nft.Syntax.RejectNode;
import org.conntrack4j.rules.nft.Syntax.SetUpdateNode;
import org.conntrack4j.rules.nft.Syntax.CtHelperSetNode;
import org.conntrack4j.rules.nft.Syntax.CtMarkSetNode;
import org.conntrack4j.rules.nft.Syntax.Element;
import org.conntrack4j.rules.nft.Syntax.FlagList;
import org.conntrack4j.rules.nft.Syntax.JumpNode;
import org.conntrack4j.rules.nft.Syntax.MatchNode;
import org.conntrack4j.rules.nft.Syntax.NatNode;
import org.conntrack4j.rules.nft.Syntax.Phrase;
import org.conntrack4j.rules.nft.Syntax.Ready;
import org.conntrack4j.rules.nft.Syntax.RuleNode;
import org.conntrack4j.rules.nft.Syntax.SetNode;
import org.conntrack4j.rules.nft.Syntax.Single;
import org.conntrack4j.rules.nft.Syntax.Value;
import org.conntrack4j.rules.nft.Syntax.Words;

/**
 * The grammar of one rule, for {@link Grammar}: its matches and statements and the shapes of their values, read
 * into {@link Syntax} nodes without resolving them; {@link StatementGrammar} reads the statements with options.
 *
 * <pre>
 * rule        := element { element } [ "comment" TEXT ]
 * element     := match | statement
 * match       := selector [("and" | "&") MASK] [op] (value | set | flaglist)
 * setupdate   := ("add" | "update") "@" NAME "{" KEY [ "ct" "count" ["over"] NUM ] "}"
 * set         := "{" (value | set) { "," (value | set) } [","] "}"
 * </pre>
 */
final class RuleGrammar {

    private static final String SUPPORTED_STATEMENTS = "accept, drop, return, jump, goto, counter, log, notrack, "
            + "ct helper set, ct mark set, meta mark set, ct [original|reply] zone set, ct label set, ct timeout set, "
            + "ct expectation set, ct count, add/update @set, reject with tcp reset, flow add @flowtable, masquerade, snat, dnat, redirect";
    private static final String SUPPORTED_MATCHES = "iifname, oifname, iif, oif, meta l4proto, meta nfproto, "
            + "meta iifname, meta oifname, meta iif, meta oif, meta mark, ip protocol, ip saddr, ip daddr, "
            + "ip6 nexthdr, ip6 saddr, ip6 daddr, tcp sport, tcp dport, udp sport, udp dport, ether saddr, "
            + "ether daddr, ct state, ct direction, ct status, ct mark, ct [original|reply] zone, ct label";
    private static final String SUPPORTED_CT_KEYS = "state, direction, status, mark, zone, original zone, reply zone, "
            + "label, count, and the statements ct helper set, ct mark set, ct zone set, ct label set, "
            + "ct timeout set, ct expectation set";

    /** Statements nft knows that the subset leaves out. */
    private static final Set<String> UNSUPPORTED_STATEMENTS = Set.of("queue", "continue", "limit",
            "quota", "dup", "fwd", "tproxy", "synproxy", "mark", "set", "delete", "xt", "last",
            "secmark", "numgen", "vmap", "map", "meter", "connlimit", "exthdr");
    /** Match expressions nft knows that the subset leaves out. */
    private static final Set<String> UNSUPPORTED_MATCHES = Set.of("icmp", "icmpv6", "sctp", "dccp", "udplite",
            "vlan", "arp", "th", "fib", "rt", "socket", "osf", "ipsec", "jhash", "symhash", "ah", "esp",
            "comp", "igmp", "frag", "hbh", "dst", "mh", "rt0", "rt2", "srh", "iiftype", "oiftype", "pkttype",
            "cpu", "skuid", "skgid", "length", "nfproto", "l4proto", "protocol", "saddr", "daddr", "sport",
            "dport", "cgroup", "iifgroup", "oifgroup", "ipv4", "ipv6", "gre", "geneve", "vxlan",
            "tcpopt", "inner");

    private final TokenStream in;
    private final StatementGrammar statements;

    RuleGrammar(TokenStream in) {
        this.in = in;
        this.statements = new StatementGrammar(in);
    }

    // ------------------------------------------------------------------------------------------------ rule

    RuleNode rule() throws RulesetParseException {
        Token start = in.peek();
        List<Element> elements = new ArrayList<>();
        Optional<String> comment = Optional.empty();
        boolean terminal = false;
        while (true) {
            Token t = in.peek();
            if (t.isTerminator() || t.kind() == Kind.RBRACE || t.kind() == Kind.EOF) {
                break;
            }
            if (t.isWord("comment")) {
                if (elements.isEmpty()) {
                    throw in.err(t, "chain comments are not supported (a rule comment goes after the rule's "
                            + "statements)");
                }
                in.next();
                Token v = in.expectText("the comment text after \"comment\"");
                if (SourceText.byteLength(v.text()) > 128) {
                    throw in.err(v, "comment longer than 128 bytes");
                }
                comment = Optional.of(v.text());
                break;
            }
            if (terminal) {
                skipRestOfRule();
                return new RuleNode(start, elements, t, comment);
            }
            if (elements.size() >= NftParser.MAX_RULE_ELEMENTS) {
                throw in.err(t, "too many matches and statements in one rule (limit " + NftParser.MAX_RULE_ELEMENTS
                        + ")");
            }
            Element e = element();
            elements.add(e);
            terminal = e instanceof JumpNode || e instanceof NatNode || e instanceof RejectNode
                    || e instanceof Ready r && r.statement().isTerminal();
        }
        return new RuleNode(start, elements, null, comment);
    }

    /** Up to the end of the rule: a terminator or the chain's '}' outside braces, or the end of input. */
    private void skipRestOfRule() throws RulesetParseException {
        int depth = 0;
        while (true) {
            Token t = in.peek();
            if (t.kind() == Kind.EOF || depth == 0 && (t.isTerminator() || t.kind() == Kind.RBRACE)) {
                return;
            }
            if (t.kind() == Kind.LBRACE) {
                depth++;
            } else if (t.kind() == Kind.RBRACE) {
                depth--;
            }
            in.next();
        }
    }

    private Element element() throws RulesetParseException {
        Token t = in.peek();
        if (t.kind() != Kind.WORD) {
            throw in.err(t, "expected a match or a statement, found " + t.describe());
        }
        switch (t.text()) {
            case "iifname":
                in.next();
                return match(Selector.IIFNAME, t);
            case "oifname":
                in.next();
                return match(Selector.OIFNAME, t);
            case "iif":
                in.next();
                return match(Selector.IIF, t);
            case "oif":
                in.next();
                return match(Selector.OIF, t);
            case "meta":
                return meta();
            case "ip":
                return header("ip", new String[] {"protocol", "saddr", "daddr"},
                        new Selector[] {Selector.IP_PROTOCOL, Selector.IP_SADDR, Selector.IP_DADDR});
            case "ip6":
                return header("ip6", new String[] {"nexthdr", "saddr", "daddr"},
                        new Selector[] {Selector.IP6_NEXTHDR, Selector.IP6_SADDR, Selector.IP6_DADDR});
            case "tcp":
                return header("tcp", new String[] {"sport", "dport"},
                        new Selector[] {Selector.TCP_SPORT, Selector.TCP_DPORT});
            case "udp":
                return header("udp", new String[] {"sport", "dport"},
                        new Selector[] {Selector.UDP_SPORT, Selector.UDP_DPORT});
            case "ether":
                return header("ether", new String[] {"saddr", "daddr"},
                        new Selector[] {Selector.ETHER_SADDR, Selector.ETHER_DADDR});
            case "ct":
                return ct();
            case "add":
            case "update":
                if (in.peek(1).kind() == Kind.AT) {
                    return setUpdate();
                }
                throw in.err(t, "unsupported statement \"" + t.text() + "\" (in a rule: " + t.text()
                        + " @SET { KEY ... })");
            case "reject":
                return reject();
            case "flow":
                return flowAdd();
            case "accept":
                in.next();
                return new Ready(VerdictStatement.accept());
            case "drop":
                in.next();
                return new Ready(VerdictStatement.drop());
            case "return":
                in.next();
                return new Ready(VerdictStatement.ret());
            case "jump":
            case "goto":
                in.next();
                return new JumpNode(t.text().equals("goto"),
                        in.expectName("chain name after \"" + t.text() + "\""));
            case "counter":
                return statements.counter();
            case "log":
                return statements.log();
            case "notrack":
                in.next();
                return new Ready(new NotrackStatement());
            case "masquerade":
                return statements.nat(NatStatement.Kind.MASQUERADE);
            case "snat":
                return statements.nat(NatStatement.Kind.SNAT);
            case "dnat":
                return statements.nat(NatStatement.Kind.DNAT);
            case "redirect":
                return statements.nat(NatStatement.Kind.REDIRECT);
            default:
                if (UNSUPPORTED_STATEMENTS.contains(t.text())) {
                    throw in.err(t, "unsupported statement \"" + t.text() + "\" (supported: " + SUPPORTED_STATEMENTS
                            + ")");
                }
                if (UNSUPPORTED_MATCHES.contains(t.text())) {
                    throw in.err(t, "unsupported match \"" + t.text() + "\" (supported: " + SUPPORTED_MATCHES + ")");
                }
                throw in.err(t, "unexpected " + t.describe() + ": expected a match (" + SUPPORTED_MATCHES
                        + ") or a statement (" + SUPPORTED_STATEMENTS + ")");
        }
    }

    private Element meta() throws RulesetParseException {
        Token meta = in.next();
        Token k = in.expectWord("a meta key after \"meta\"");
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
            case "mark":
                if (in.peek().isWord("set")) {
                    in.next();
                    if (in.peek().isWord("ct") && in.peek(1).isWord("mark")) {
                        in.next();
                        in.next();
                        return new Ready(new MarkCopyStatement(false));
                    }
                    return new MetaMarkSetNode(phrase("a mark value after \"meta mark set\""));
                }
                sel = Selector.META_MARK;
                break;
            default:
                if (in.peek().isWord("set")) {
                    throw in.err(meta, "unsupported statement \"meta " + Lexer.abbreviate(k.text())
                            + " set\" (supported: " + SUPPORTED_STATEMENTS + ")");
                }
                throw in.err(k, "unsupported meta key \"" + Lexer.abbreviate(k.text())
                        + "\" (supported: l4proto, nfproto, iifname, oifname, iif, oif, mark)");
        }
        return match(sel, meta);
    }

    private MatchNode header(String proto, String[] fields, Selector[] selectors) throws RulesetParseException {
        Token p = in.next();
        Token f = in.peek();
        if (f.kind() == Kind.WORD) {
            for (int i = 0; i < fields.length; i++) {
                if (fields[i].equals(f.text())) {
                    in.next();
                    return match(selectors[i], p);
                }
            }
        }
        throw in.err(f, "unsupported " + proto + " header field " + f.describe() + " (supported: "
                + String.join(", ", fields) + ")");
    }

    private Element ct() throws RulesetParseException {
        Token ct = in.next();
        Token k = in.expectWord("a conntrack key after \"ct\"");
        switch (k.text()) {
            case "helper": {
                Token s = in.peek();
                if (!s.isWord("set")) {
                    throw in.err(s, "\"ct helper\" is only supported as a statement: ct helper set \"NAME\"");
                }
                in.next();
                return new CtHelperSetNode(in.expectText("the ct helper object name after \"ct helper set\""));
            }
            case "mark":
                if (in.peek().isWord("set")) {
                    in.next();
                    if (in.peek().isWord("meta") && in.peek(1).isWord("mark")) {
                        in.next();
                        in.next();
                        return new Ready(new MarkCopyStatement(true));
                    }
                    return new CtMarkSetNode(phrase("a mark value after \"ct mark set\""));
                }
                return match(Selector.CT_MARK, ct);
            case "zone":
                return zone(ct, -1);
            case "original":
            case "reply": {
                Token z = in.peek();
                if (!z.isWord("zone")) {
                    throw in.err(z, "unsupported ct key \"" + k.text() + " " + Lexer.abbreviate(z.text())
                            + "\" (supported after ct " + k.text() + ": zone)");
                }
                in.next();
                return zone(ct, k.text().equals("original") ? 0 : 1);
            }
            case "label":
                if (in.peek().isWord("set")) {
                    in.next();
                    return new CtLabelSetNode(phrase("a label after \"ct label set\""));
                }
                return match(Selector.CT_LABEL, ct);
            case "timeout":
            case "expectation": {
                Token s = in.peek();
                if (!s.isWord("set")) {
                    throw in.err(s, "\"ct " + k.text() + "\" is only supported as a statement: ct " + k.text()
                            + " set \"NAME\"");
                }
                in.next();
                return new CtObjectSetNode(k.text().equals("timeout") ? CtObjectSetStatement.Kind.TIMEOUT
                        : CtObjectSetStatement.Kind.EXPECTATION,
                        in.expectText("the ct " + k.text() + " object name after \"ct " + k.text() + " set\""));
            }
            case "count":
                return connLimit(ct);
            case "state":
            case "direction":
            case "status":
                if (in.peek().isWord("set")) {
                    throw in.err(ct, "unsupported statement \"ct " + k.text() + " set\" (supported: "
                            + SUPPORTED_STATEMENTS + ")");
                }
                return match(k.text().equals("state") ? Selector.CT_STATE
                        : k.text().equals("direction") ? Selector.CT_DIRECTION : Selector.CT_STATUS, ct);
            default:
                if (in.peek().isWord("set")) {
                    throw in.err(ct, "unsupported statement \"ct " + Lexer.abbreviate(k.text())
                            + " set\" (supported: " + SUPPORTED_STATEMENTS + ")");
                }
                throw in.err(k, "unsupported ct key \"" + Lexer.abbreviate(k.text()) + "\" (supported: "
                        + SUPPORTED_CT_KEYS + ")");
        }
    }

    /** {@code ct [original|reply] zone N} (a match) or {@code ... zone set N}. */
    private Element zone(Token ct, int dir) throws RulesetParseException {
        if (in.peek().isWord("set")) {
            in.next();
            return new CtZoneSetNode(ct, dir, phrase("a zone number after \"zone set\""));
        }
        return match(dir < 0 ? Selector.CT_ZONE : dir == 0 ? Selector.CT_ORIGINAL_ZONE : Selector.CT_REPLY_ZONE, ct);
    }

    /** {@code ct count [over] N}, after {@code ct}. */
    private ConnLimitNode connLimit(Token ct) throws RulesetParseException {
        boolean over = false;
        if (in.peek().isWord("over")) {
            in.next();
            over = true;
        }
        return new ConnLimitNode(ct, over, in.expectWord("a number after \"ct count" + (over ? " over" : "")
                + "\""));
    }

    /** {@code add|update @SET { KEY [ct count [over] N] }}: the key an address of the packet. */
    /** {@code flow add @NAME}, or {@code flow offload @NAME} as older nft wrote it. */
    private FlowAddNode flowAdd() throws RulesetParseException {
        Token kw = in.next();
        Token op = in.peek();
        if (!op.isWord("add") && !op.isWord("offload")) {
            throw in.err(op, "expected \"add\" after \"flow\" (flow add @FLOWTABLE), found " + op.describe());
        }
        in.next();
        in.expect(Kind.AT, "'@' before the flowtable name (flow add @FLOWTABLE)");
        return new FlowAddNode(kw, in.expectName("flowtable name after '@'"));
    }

    private SetUpdateNode setUpdate() throws RulesetParseException {
        Token kw = in.next();
        in.next(); // '@'
        Token set = in.expectName("set name after '@'");
        in.expect(Kind.LBRACE, "'{' after @" + set.text());
        Token keyTok = in.peek();
        Selector key = null;
        if ((keyTok.isWord("ip") || keyTok.isWord("ip6")) && (in.peek(1).isWord("saddr")
                || in.peek(1).isWord("daddr"))) {
            boolean v6 = keyTok.isWord("ip6");
            boolean src = in.peek(1).isWord("saddr");
            key = v6 ? (src ? Selector.IP6_SADDR : Selector.IP6_DADDR) : (src ? Selector.IP_SADDR : Selector.IP_DADDR);
            in.next();
            in.next();
        } else {
            throw in.err(keyTok, "unsupported set key " + keyTok.describe() + " (supported: ip saddr, ip daddr, "
                    + "ip6 saddr, ip6 daddr)");
        }
        ConnLimitNode limit = null;
        if (in.peek().isWord("ct") && in.peek(1).isWord("count")) {
            Token ct = in.next();
            in.next();
            limit = connLimit(ct);
        }
        Token close = in.peek();
        if (close.kind() != Kind.RBRACE) {
            throw in.err(close, "expected '}' after the element" + (limit == null ? " (supported in it: ct count)"
                    : "") + ", found " + close.describe());
        }
        in.next();
        return new SetUpdateNode(kw, kw.text().equals("update"), set, key, keyTok, limit);
    }

    /** {@code reject with tcp reset}; other reject types are outside the subset. */
    private RejectNode reject() throws RulesetParseException {
        Token kw = in.next();
        Token w = in.peek();
        if (!w.isWord("with") || !in.peek(1).isWord("tcp") || !in.peek(2).isWord("reset")) {
            throw in.err(w.isWord("with") ? in.peek(1) : w, "unsupported reject: only \"reject with tcp reset\" is"
                    + " supported");
        }
        in.next();
        in.next();
        in.next();
        return new RejectNode(kw);
    }

    // ------------------------------------------------------------------------------------------------ matches

    private MatchNode match(Selector sel, Token selTok) throws RulesetParseException {
        Phrase mask = null;
        if ((sel == Selector.CT_MARK || sel == Selector.META_MARK)
                && (in.peek().isWord("and") || in.peek().kind() == Kind.AMP)) {
            in.next();
            mask = phrase("a mask after \"and\"");
        }
        Token opTok = in.peek();
        Op op = op();
        Token valTok = in.peek();
        Value value;
        if (valTok.kind() == Kind.LBRACE) {
            List<Value> elements = new ArrayList<>();
            set(sel, elements, 1);
            value = new SetNode(elements);
        } else if (sel.kind().isBitmask()) {
            List<Token> flags = new ArrayList<>();
            while (true) {
                flags.add(flag(sel));
                Kind k = in.peek().kind();
                if (k != Kind.COMMA && k != Kind.PIPE) {
                    break;
                }
                in.next();
            }
            value = new FlagList(flags);
        } else {
            value = value(sel);
        }
        return new MatchNode(sel, selTok, op, opTok, value, valTok, mask);
    }

    private Op op() throws RulesetParseException {
        Token t = in.peek();
        Op op;
        switch (t.kind()) {
            case ASSIGN:
                throw in.err(t, "unexpected '=' (the comparison operator is '==')");
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
        in.next();
        return op;
    }

    /** One flag of ct state / ct status: a word, resolved later. */
    private Token flag(Selector sel) throws RulesetParseException {
        Token v = in.peek();
        if (v.kind() != Kind.WORD) {
            throw in.err(v, "expected a " + sel.keyword() + " value (" + Symbols.flagNameList(sel.kind())
                    + "), found " + v.describe());
        }
        return in.next();
    }

    /** An anonymous set; nested sets are flattened into {@code out}. */
    private void set(Selector sel, List<Value> out, int depth) throws RulesetParseException {
        Token open = in.next(); // '{'
        if (depth > NftParser.MAX_SET_DEPTH) {
            throw in.err(open, "sets nested deeper than " + NftParser.MAX_SET_DEPTH + " levels");
        }
        in.skipNewlines();
        if (in.peek().kind() == Kind.RBRACE) {
            throw in.err(in.peek(), "empty set");
        }
        while (true) {
            in.skipNewlines();
            Token t = in.peek();
            if (t.kind() == Kind.LBRACE) {
                set(sel, out, depth + 1);
            } else if (sel.kind().isBitmask()) {
                out.add(new Single(flag(sel)));
            } else {
                out.add(value(sel));
            }
            if (out.size() > NftParser.MAX_SET_ELEMENTS) {
                throw in.err(t, "set with more than " + NftParser.MAX_SET_ELEMENTS + " elements");
            }
            if (!in.moreInBraces("the set")) {
                return;
            }
        }
    }

    /** One value (or range, or prefix) for a selector, outside flag lists. */
    private Value value(Selector sel) throws RulesetParseException {
        if (in.peek().kind() == Kind.AT) {
            throw in.err(in.peek(), "named sets and maps (@name) are not supported as values (only add/update @set)");
        }
        switch (sel.kind()) {
            case IFNAME:
            case IFINDEX: {
                Token v = in.peek();
                if (v.kind() != Kind.STRING && v.kind() != Kind.WORD) {
                    throw in.err(v, "expected an interface name after \"" + sel.keyword() + "\", found "
                            + v.describe());
                }
                if (v.kind() == Kind.WORD && Symbols.RESERVED.contains(v.text())) {
                    throw in.err(v, "expected an interface name after \"" + sel.keyword() + "\", found keyword \""
                            + v.text() + "\" (quote it if it really is the name)");
                }
                return new Single(in.next());
            }
            case NFPROTO:
                return new Single(in.expectWord("ipv4 or ipv6 after \"meta nfproto\""));
            case CT_DIRECTION:
                return new Single(in.expectWord("original or reply after \"ct direction\""));
            case IPV4_ADDR:
            case IPV6_ADDR: {
                boolean v6 = sel.kind() == ValueKind.IPV6_ADDR;
                if (v6 && in.peek().kind() == Kind.LBRACKET) {
                    in.next();
                    Phrase ph = phrase("an IPv6 address");
                    in.expect(Kind.RBRACKET, "']' after the IPv6 address");
                    return new Bracketed(ph);
                }
                return new Words(phrase("an " + (v6 ? "IPv6" : "IPv4") + " address after \"" + sel.keyword()
                        + "\""));
            }
            default:
                return new Words(phrase("a value after \"" + sel.keyword() + "\""));
        }
    }

    /** A value's words: a string, or words joined where nft reads one value ({@code 1 - 3}, {@code a /8}). */
    Phrase phrase(String what) throws RulesetParseException {
        Token first = in.peek();
        Phrase ph = new Phrase(in.source);
        if (first.kind() == Kind.STRING) {
            in.next();
            ph.add(first, first.text(), 1);
            return ph;
        }
        if (first.kind() != Kind.WORD) {
            throw in.err(first, "expected " + what + ", found " + first.describe());
        }
        in.next();
        ph.add(first, first.text(), 0);
        String last = first.text();
        while (in.peek().kind() == Kind.WORD) {
            String n = in.peek().text();
            boolean join = last.endsWith("-") || last.endsWith("/") || n.startsWith("-") || n.startsWith("/");
            if (!join) {
                break;
            }
            ph.add(in.next(), n, 0);
            last = n;
            if (ph.length() > Phrase.MAX_LENGTH) {
                throw in.err(first, "value longer than " + Phrase.MAX_LENGTH + " characters");
            }
        }
        return ph;
    }
}
