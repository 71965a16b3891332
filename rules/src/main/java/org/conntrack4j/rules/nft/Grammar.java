package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.BaseSpecNode;
import org.conntrack4j.rules.nft.Syntax.ChainItem;
import org.conntrack4j.rules.nft.Syntax.ChainNode;
import org.conntrack4j.rules.nft.Syntax.FlowtableNode;
import org.conntrack4j.rules.nft.Syntax.PolicyNode;
import org.conntrack4j.rules.nft.Syntax.SetDeclNode;
import org.conntrack4j.rules.nft.Syntax.TableItem;
import org.conntrack4j.rules.nft.Syntax.TableNode;

/**
 * The grammar of the subset, first of the parser's two steps: a hand-written recursive-descent parser from tokens to
 * the {@link Syntax} tree, the part nft's bison grammar does. It refuses what does not parse and what lies outside
 * the subset; what the text means (values, protocol context, references) is left to {@link Evaluator}. This class
 * reads the blocks; {@link RuleGrammar} reads the rules in them. One instance reads one text.
 *
 * <pre>
 * file        := { table TERM }
 * table       := "table" [ip|ip6|inet] NAME "{" { tableItem TERM } "}"
 * tableItem   := chain | set | flowtable | "ct" "helper" NAME "{" { helperItem TERM } "}"
 *              | "ct" "timeout" NAME "{" { timeoutItem TERM } "}" | "ct" "expectation" NAME "{" { expectItem TERM } "}"
 * helperItem  := "type" STRING "protocol" (tcp|udp) | "l3proto" (ip|ip6|inet)
 * timeoutItem := "protocol" (tcp|udp) | "l3proto" (ip|ip6|inet) | "policy" "=" "{" STATE ":" NUM { "," ... } "}"
 * expectItem  := "protocol" PROTO | "dport" NUM | "timeout" TIME | "size" NUM | "l3proto" (ip|ip6|inet)
 * set         := "set" NAME "{" { ("type" TYPE | "size" NUM | "flags" FLAG { "," FLAG }) TERM } "}"
 * chain       := "chain" NAME "{" { chainItem TERM } "}"
 * chainItem   := "type" TYPE "hook" HOOK "priority" PRIO | "policy" (accept|drop) | rule
 * </pre>
 *
 * Terminators (TERM) are newline or ';'; nft requires one after every block item, including the last one before
 * a closing brace.
 */
final class Grammar {

    /** Top-level commands of nft scripts; only table blocks are part of the subset. */
    private static final Set<String> TOP_LEVEL_COMMANDS = Set.of("add", "create", "insert", "replace", "delete",
            "destroy", "list", "flush", "rename", "reset", "define", "redefine", "undefine", "include",
            "describe", "monitor", "export", "import", "chain", "rule", "set", "map", "element");
    /** Table items nft knows that the subset leaves out. */
    private static final Set<String> UNSUPPORTED_TABLE_ITEMS = Set.of("map", "counter",
            "quota", "limit", "secmark", "synproxy", "flags", "comment");
    private static final String SUPPORTED_TABLE_ITEMS = "chain, set, flowtable, ct helper, ct timeout, ct expectation";

    private final TokenStream in;
    private final RuleGrammar rules;
    private final ObjectGrammar objects;

    Grammar(String source, String text) {
        this.in = new TokenStream(source, text);
        this.rules = new RuleGrammar(in);
        this.objects = new ObjectGrammar(in);
    }

    List<TableNode> parseFile() throws RulesetParseException {
        List<TableNode> tables = new ArrayList<>();
        in.skipSeparators();
        while (in.peek().kind() != Kind.EOF) {
            Token t = in.peek();
            if (t.isWord("table")) {
                tables.add(table());
            } else if (t.kind() == Kind.WORD && TOP_LEVEL_COMMANDS.contains(t.text())) {
                throw in.err(t, "unsupported command \"" + t.text() + "\": only \"table\" blocks are supported");
            } else {
                throw in.err(t, "expected \"table\", found " + t.describe());
            }
            Token after = in.peek();
            if (after.kind() != Kind.EOF && !after.isTerminator()) {
                throw in.err(after, "expected newline or ';' after the table block, found " + after.describe());
            }
            in.skipSeparators();
        }
        return tables;
    }

    private TableNode table() throws RulesetParseException {
        Token kw = in.next();
        Family family = Family.IP; // nft's default when the family is left out
        Token f = in.peek();
        if (f.kind() == Kind.WORD) {
            Optional<Family> fam = Family.fromKeyword(f.text());
            if (fam.isPresent()) {
                family = fam.get();
                in.next();
            } else if (Set.of("arp", "bridge", "netdev").contains(f.text())) {
                throw in.err(f, "table family \"" + f.text() + "\" is not supported (supported: ip, ip6, inet)");
            }
        }
        Token name = in.expectName("table name");
        Token open = in.expect(Kind.LBRACE, "'{' after the table name");
        List<TableItem> items = new ArrayList<>();
        String block = "table \"" + family.keyword() + " " + name.text() + "\" opened at line " + open.line();
        while (in.closingBrace(block) == null) {
            Token t = in.peek();
            if (t.isWord("chain")) {
                items.add(chain());
                in.requireTerminator("the chain block");
            } else if (t.isWord("set")) {
                items.add(setDecl());
                in.requireTerminator("the set block");
            } else if (t.isWord("flowtable")) {
                items.add(flowtable());
                in.requireTerminator("the flowtable block");
            } else if (t.isWord("ct") && in.peek(1).isWord("helper")) {
                items.add(objects.ctHelper());
                in.requireTerminator("the ct helper block");
            } else if (t.isWord("ct") && in.peek(1).isWord("timeout")) {
                items.add(objects.ctTimeout());
                in.requireTerminator("the ct timeout block");
            } else if (t.isWord("ct") && in.peek(1).isWord("expectation")) {
                items.add(objects.ctExpectation());
                in.requireTerminator("the ct expectation block");
            } else if (t.isWord("ct") && in.peek(1).kind() == Kind.WORD) {
                throw in.err(in.peek(1), "unsupported object \"ct " + in.peek(1).text()
                        + "\" (supported: " + SUPPORTED_TABLE_ITEMS + ")");
            } else if (t.kind() == Kind.WORD && UNSUPPORTED_TABLE_ITEMS.contains(t.text())) {
                throw in.err(t, "unsupported table item \"" + t.text() + "\" (supported: " + SUPPORTED_TABLE_ITEMS
                        + ")");
            } else {
                throw in.err(t, "expected \"chain\", \"set\" or a ct object, found " + t.describe());
            }
        }
        return new TableNode(kw, family, name, items);
    }

    /** {@code set NAME { type T; size N; flags F, ...; }}: the items the subset has, each once. */
    private SetDeclNode setDecl() throws RulesetParseException {
        Token kw = in.next();
        Token name = in.expectName("set name");
        in.expect(Kind.LBRACE, "'{' after the set name");
        Token type = null;
        Token size = null;
        List<Token> flags = new ArrayList<>();
        String block = "set \"" + name.text() + "\"";
        Token close;
        while ((close = in.closingBrace(block)) == null) {
            Token t = in.peek();
            if (t.isWord("type")) {
                if (type != null) {
                    throw in.err(t, "set type given twice");
                }
                in.next();
                type = in.expectWord("a set type (ipv4_addr, ipv6_addr)");
            } else if (t.isWord("size")) {
                if (size != null) {
                    throw in.err(t, "set size given twice");
                }
                in.next();
                size = in.expectWord("a number after \"size\"");
            } else if (t.isWord("flags")) {
                in.next();
                while (true) {
                    flags.add(in.expectWord("a set flag (dynamic)"));
                    if (in.peek().kind() != Kind.COMMA) {
                        break;
                    }
                    in.next();
                }
            } else if (t.kind() == Kind.WORD && Set.of("elements", "timeout", "gc-interval", "policy", "counter",
                    "comment", "auto-merge", "typeof").contains(t.text())) {
                throw in.err(t, "unsupported set attribute \"" + t.text() + "\" (supported: type, size, flags)");
            } else {
                throw in.err(t, "expected type, size or flags in the set, found " + t.describe());
            }
            in.requireTerminator("the set attribute");
        }
        return new SetDeclNode(kw, name, type, size, flags, close);
    }

    private ChainNode chain() throws RulesetParseException {
        Token kw = in.next();
        Token name = in.expectName("chain name");
        Token open = in.expect(Kind.LBRACE, "'{' after the chain name");
        List<ChainItem> items = new ArrayList<>();
        boolean typeSeen = false;
        boolean policySeen = false;
        String block = "chain \"" + name.text() + "\" opened at line " + open.line();
        while (in.closingBrace(block) == null) {
            Token t = in.peek();
            if (t.isWord("type")) {
                if (typeSeen) {
                    throw in.err(t, "chain type, hook and priority given twice for chain \"" + name.text() + "\"");
                }
                typeSeen = true;
                items.add(baseSpec());
                in.requireTerminator("the chain priority");
            } else if (t.isWord("policy")) {
                if (policySeen) {
                    throw in.err(t, "chain policy given twice");
                }
                policySeen = true;
                Token policyKw = in.next();
                Token v = in.expectWord("accept or drop after \"policy\"");
                Policy policy;
                if (v.text().equals("accept")) {
                    policy = Policy.ACCEPT;
                } else if (v.text().equals("drop")) {
                    policy = Policy.DROP;
                } else {
                    throw in.err(v, "expected accept or drop after \"policy\", found " + v.describe());
                }
                items.add(new PolicyNode(policyKw, policy));
                in.requireTerminator("the chain policy");
            } else if (t.isWord("comment")) {
                throw in.err(t, "chain comments are not supported (a rule comment goes after the rule's statements)");
            } else if (t.isWord("flags") || t.isWord("devices") || t.isWord("device")) {
                throw in.err(t, "chain attribute \"" + t.text() + "\" is not supported");
            } else {
                items.add(rules.rule());
                in.requireTerminator("the rule");
            }
        }
        return new ChainNode(kw, name, items);
    }

    /** {@code type T hook H priority P}; type, hook and priority are resolved by the evaluator, as nft does. */
    private BaseSpecNode baseSpec() throws RulesetParseException {
        Token kw = in.next();
        Token type = in.expectWord("a chain type (filter, nat)");
        Token hk = in.peek();
        if (!hk.isWord("hook")) {
            throw in.err(hk, "expected \"hook\" after the chain type, found " + hk.describe());
        }
        in.next();
        Token hook = in.expectWord("a hook (prerouting, input, forward, output, postrouting)");
        Token pk = in.peek();
        if (pk.isWord("device") || pk.isWord("devices")) {
            throw in.err(pk, "chain devices are not supported");
        }
        if (!pk.isWord("priority")) {
            throw in.err(pk, "expected \"priority\" after the hook, found " + pk.describe()
                    + " (a base chain needs type, hook and priority)");
        }
        in.next();
        Priority p = priority();
        return new BaseSpecNode(kw, type, hook, p.first, p.joined, p.text);
    }

    /** A priority as written: its first token, the words joined ({@code "filter+10"}) and the original text. */
    private record Priority(Token first, String joined, String text) {
    }

    /** After {@code priority}: N, NAME, NAME + N, NAME - N. */
    private Priority priority() throws RulesetParseException {
        // the words are joined, spaces around the sign are optional (nft syntax)
        Token first = in.peek();
        if (first.kind() != Kind.WORD) {
            throw in.err(first, "expected a priority (a number, or raw, mangle, dstnat, filter, security, srcnat),"
                    + " found " + first.describe());
        }
        StringBuilder joined = new StringBuilder(in.next().text());
        Token last = first;
        for (int words = 1; in.peek().kind() == Kind.WORD && words < 4; words++) {
            String nextText = in.peek().text();
            boolean join = last.text().endsWith("+") || last.text().endsWith("-") || nextText.startsWith("+")
                    || nextText.startsWith("-");
            if (!join) {
                break;
            }
            last = in.next();
            joined.append(last.text());
        }
        return new Priority(first, joined.toString(), in.text.substring(first.start(), last.end()));
    }

    /**
     * {@code flowtable NAME { hook H priority P; devices = { D, ... }; counter; flags F, ...; }}: each item once, as
     * nft 1.0.6's grammar reads it; hook, priority and flags are checked by the evaluator.
     */
    private FlowtableNode flowtable() throws RulesetParseException {
        Token kw = in.next();
        Token name = in.expectName("flowtable name");
        in.expect(Kind.LBRACE, "'{' after the flowtable name");
        Token hook = null;
        Priority prio = null;
        List<Token> devices = null;
        Token counter = null;
        List<Token> flags = null;
        String block = "flowtable \"" + name.text() + "\"";
        Token close;
        while ((close = in.closingBrace(block)) == null) {
            Token t = in.peek();
            if (t.isWord("hook")) {
                if (hook != null) {
                    throw in.err(t, "flowtable hook given twice");
                }
                in.next();
                hook = in.expectWord("a hook (ingress) after \"hook\"");
                Token pk = in.peek();
                if (!pk.isWord("priority")) {
                    throw in.err(pk, "expected \"priority\" after the flowtable hook, found " + pk.describe());
                }
                in.next();
                prio = priority();
            } else if (t.isWord("devices")) {
                if (devices != null) {
                    throw in.err(t, "flowtable devices given twice");
                }
                in.next();
                in.expect(Kind.ASSIGN, "'=' after \"devices\"");
                devices = new ArrayList<>();
                if (in.peek().kind() == Kind.LBRACE) {
                    in.next();
                    do {
                        in.skipNewlines();
                        devices.add(device());
                    } while (in.moreInBraces("the flowtable devices"));
                } else {
                    devices.add(device());
                }
            } else if (t.isWord("counter")) {
                if (counter != null) {
                    throw in.err(t, "flowtable counter given twice");
                }
                counter = in.next();
            } else if (t.isWord("flags")) {
                if (flags != null) {
                    throw in.err(t, "flowtable flags given twice");
                }
                in.next();
                flags = new ArrayList<>();
                flags.add(in.expectWord("a flowtable flag (offload)"));
                while (in.peek().kind() == Kind.COMMA) {
                    in.next();
                    flags.add(in.expectWord("a flowtable flag (offload)"));
                }
            } else {
                throw in.err(t, "unsupported flowtable attribute " + t.describe()
                        + " (supported: hook, devices, counter, flags)");
            }
            in.requireTerminator("the flowtable attribute");
        }
        return new FlowtableNode(kw, name, hook, prio == null ? null : prio.first, prio == null ? null : prio.joined,
                prio == null ? null : prio.text, devices == null ? List.of() : devices, counter,
                flags == null ? List.of() : flags, close);
    }

    /** A device name, bare or quoted. */
    private Token device() throws RulesetParseException {
        Token d = in.peek();
        if (d.kind() == Kind.STRING || d.kind() == Kind.WORD) {
            return in.next();
        }
        throw in.err(d, "expected a device name, found " + d.describe());
    }
}
