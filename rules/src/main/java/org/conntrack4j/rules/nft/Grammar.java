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
import org.conntrack4j.rules.nft.Syntax.HelperNode;
import org.conntrack4j.rules.nft.Syntax.PolicyNode;
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
 * tableItem   := chain | "ct" "helper" NAME "{" { helperItem TERM } "}"
 * helperItem  := "type" STRING "protocol" (tcp|udp) | "l3proto" (ip|ip6|inet)
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
    private static final Set<String> UNSUPPORTED_TABLE_ITEMS = Set.of("set", "map", "flowtable", "counter",
            "quota", "limit", "secmark", "synproxy", "flags", "comment");

    private final TokenStream in;
    private final RuleGrammar rules;

    Grammar(String source, String text) {
        this.in = new TokenStream(source, text);
        this.rules = new RuleGrammar(in);
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
            } else if (t.isWord("ct") && in.peek(1).isWord("helper")) {
                items.add(ctHelper());
                in.requireTerminator("the ct helper block");
            } else if (t.isWord("ct") && in.peek(1).kind() == Kind.WORD) {
                throw in.err(in.peek(1), "unsupported object \"ct " + in.peek(1).text()
                        + "\" (supported: chain, ct helper)");
            } else if (t.kind() == Kind.WORD && UNSUPPORTED_TABLE_ITEMS.contains(t.text())) {
                throw in.err(t, "unsupported table item \"" + t.text() + "\" (supported: chain, ct helper)");
            } else {
                throw in.err(t, "expected \"chain\" or \"ct helper\", found " + t.describe());
            }
        }
        return new TableNode(kw, family, name, items);
    }

    private HelperNode ctHelper() throws RulesetParseException {
        Token kw = in.next(); // ct
        in.next(); // helper
        Token name = in.expectName("ct helper name");
        in.expect(Kind.LBRACE, "'{' after the ct helper name");
        Token type = null;
        Token protoWord = null;
        int proto = -1;
        Token l3Word = null;
        Family l3 = null;
        String block = "ct helper \"" + name.text() + "\"";
        Token close;
        while ((close = in.closingBrace(block)) == null) {
            Token t = in.peek();
            if (t.isWord("type")) {
                if (type != null) {
                    throw in.err(t, "ct helper type given twice");
                }
                in.next();
                if (in.peek().kind() == Kind.WORD) {
                    throw in.err(in.peek(), "the helper type must be a quoted string, e.g. type \"ftp\"");
                }
                type = in.expect(Kind.STRING, "the helper type as a quoted string, e.g. \"ftp\"");
                Token p = in.peek();
                if (!p.isWord("protocol")) {
                    throw in.err(p, "expected \"protocol\" after the helper type, found " + p.describe());
                }
                in.next();
                protoWord = in.peek();
                if (protoWord.isWord("tcp")) {
                    proto = 6;
                } else if (protoWord.isWord("udp")) {
                    proto = 17;
                } else {
                    throw in.err(protoWord, "expected tcp or udp as helper protocol, found " + protoWord.describe());
                }
                in.next();
                in.requireTerminator("the helper type and protocol");
            } else if (t.isWord("l3proto")) {
                if (l3 != null) {
                    throw in.err(t, "ct helper l3proto given twice");
                }
                in.next();
                l3Word = in.expectWord("ip, ip6 or inet after \"l3proto\"");
                Optional<Family> fam = Family.fromKeyword(l3Word.text());
                if (fam.isEmpty()) {
                    throw in.err(l3Word, "expected ip, ip6 or inet after \"l3proto\", found " + l3Word.describe());
                }
                l3 = fam.get();
                in.requireTerminator("the l3proto");
            } else {
                throw in.err(t, "unsupported ct helper attribute " + t.describe() + " (supported: type, l3proto)");
            }
        }
        return new HelperNode(kw, name, type, protoWord, proto, l3Word, l3, close);
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
        // N, NAME, NAME + N, NAME - N: the words are joined, spaces around the sign are optional (nft syntax)
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
        return new BaseSpecNode(kw, type, hook, first, joined.toString(),
                in.text.substring(first.start(), last.end()));
    }
}
