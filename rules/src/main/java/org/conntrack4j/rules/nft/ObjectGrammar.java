package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.ExpectationNode;
import org.conntrack4j.rules.nft.Syntax.HelperNode;
import org.conntrack4j.rules.nft.Syntax.TimeoutNode;

/**
 * The grammar of the conntrack objects, for {@link Grammar}: {@code ct helper}, {@code ct timeout} and
 * {@code ct expectation} blocks, read as nft 1.0.6's grammar reads them (each item once, a terminator after each);
 * their values are checked by {@link Evaluator}.
 */
final class ObjectGrammar {

    private final TokenStream in;

    ObjectGrammar(TokenStream in) {
        this.in = in;
    }

    /** {@code ct timeout NAME { protocol tcp|udp; l3proto F; policy = { STATE : N, ... }; }}. */
    TimeoutNode ctTimeout() throws RulesetParseException {
        Token kw = in.next(); // ct
        in.next(); // timeout
        Token name = in.expectName("ct timeout name");
        in.expect(Kind.LBRACE, "'{' after the ct timeout name");
        Token protoWord = null;
        int proto = -1;
        Token l3Word = null;
        Family l3 = null;
        List<Token[]> policy = null;
        String block = "ct timeout \"" + name.text() + "\"";
        Token close;
        while ((close = in.closingBrace(block)) == null) {
            Token t = in.peek();
            if (t.isWord("protocol")) {
                if (protoWord != null) {
                    throw in.err(t, "ct timeout protocol given twice");
                }
                in.next();
                protoWord = in.peek();
                proto = tcpOrUdp("ct timeout protocol (nft has timeout policies for these two)");
            } else if (t.isWord("l3proto")) {
                if (l3Word != null) {
                    throw in.err(t, "ct timeout l3proto given twice");
                }
                in.next();
                l3Word = in.peek();
                l3 = l3proto();
            } else if (t.isWord("policy")) {
                if (policy != null) {
                    throw in.err(t, "ct timeout policy given twice");
                }
                in.next();
                in.expect(Kind.ASSIGN, "'=' after \"policy\"");
                policy = policy();
            } else {
                throw in.err(t, "unsupported ct timeout attribute " + t.describe()
                        + " (supported: protocol, l3proto, policy)");
            }
            in.requireTerminator("the ct timeout attribute");
        }
        return new TimeoutNode(kw, name, protoWord, proto, l3Word, l3, policy == null ? List.of() : policy, close);
    }

    /** {@code { STATE : N, ... }}: {state, value} token pairs; {@code STATE:}, {@code :N} and {@code STATE:N} too. */
    private List<Token[]> policy() throws RulesetParseException {
        in.expect(Kind.LBRACE, "'{' to open the timeout policy");
        List<Token[]> out = new ArrayList<>();
        while (true) {
            in.skipNewlines();
            Token state = in.expectWord("a timeout state (such as established : 60)");
            Token value;
            String st = state.text();
            int colon = st.indexOf(':');
            if (colon >= 0) {
                // "established:" or "established:60" lexed as one word
                String rest = st.substring(colon + 1);
                Token stateOnly = new Token(Kind.WORD, st.substring(0, colon), state.line(), state.column(),
                        state.start(), state.start() + colon);
                if (rest.isEmpty()) {
                    value = in.expectWord("the timeout in seconds after ':'");
                } else {
                    value = new Token(Kind.WORD, rest, state.line(), state.column() + colon + 1,
                            state.start() + colon + 1, state.end());
                }
                state = stateOnly;
            } else {
                Token sep = in.expectWord("':' after the timeout state");
                if (sep.text().equals(":")) {
                    value = in.expectWord("the timeout in seconds after ':'");
                } else if (sep.text().startsWith(":")) {
                    value = new Token(Kind.WORD, sep.text().substring(1), sep.line(), sep.column() + 1,
                            sep.start() + 1, sep.end());
                } else {
                    throw in.err(sep, "expected ':' after the timeout state, found " + sep.describe());
                }
            }
            out.add(new Token[] {state, value});
            if (!in.moreInBraces("the timeout policy")) {
                return out;
            }
        }
    }

    /** {@code ct expectation NAME { protocol P; dport N; timeout T; size N; l3proto F; }}. */
    ExpectationNode ctExpectation() throws RulesetParseException {
        Token kw = in.next(); // ct
        in.next(); // expectation
        Token name = in.expectName("ct expectation name");
        in.expect(Kind.LBRACE, "'{' after the ct expectation name");
        Token protoWord = null;
        Token dport = null;
        Token timeout = null;
        Token size = null;
        Token l3Word = null;
        Family l3 = null;
        String block = "ct expectation \"" + name.text() + "\"";
        Token close;
        while ((close = in.closingBrace(block)) == null) {
            Token t = in.peek();
            String what = t.kind() == Kind.WORD ? t.text() : "";
            Token v;
            switch (what) {
                case "protocol":
                case "dport":
                case "timeout":
                case "size":
                case "l3proto":
                    in.next();
                    v = in.expectWord("a value after \"" + what + "\"");
                    break;
                default:
                    throw in.err(t, "unsupported ct expectation attribute " + t.describe()
                            + " (supported: protocol, dport, timeout, size, l3proto)");
            }
            Token before = what.equals("protocol") ? protoWord : what.equals("dport") ? dport
                    : what.equals("timeout") ? timeout : what.equals("size") ? size : l3Word;
            if (before != null) {
                throw in.err(t, "ct expectation " + what + " given twice");
            }
            switch (what) {
                case "protocol":
                    protoWord = v;
                    break;
                case "dport":
                    dport = v;
                    break;
                case "timeout":
                    timeout = v;
                    break;
                case "size":
                    size = v;
                    break;
                default:
                    l3Word = v;
                    l3 = family(v);
                    break;
            }
            in.requireTerminator("the ct expectation attribute");
        }
        return new ExpectationNode(kw, name, protoWord, dport, timeout, size, l3Word, l3, close);
    }

    /** {@code ct helper NAME { type "T" protocol P; l3proto F; }}. */
    HelperNode ctHelper() throws RulesetParseException {
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
                proto = tcpOrUdp("helper protocol");
                in.requireTerminator("the helper type and protocol");
            } else if (t.isWord("l3proto")) {
                if (l3 != null) {
                    throw in.err(t, "ct helper l3proto given twice");
                }
                in.next();
                l3Word = in.peek();
                l3 = l3proto();
                in.requireTerminator("the l3proto");
            } else {
                throw in.err(t, "unsupported ct helper attribute " + t.describe() + " (supported: type, l3proto)");
            }
        }
        return new HelperNode(kw, name, type, protoWord, proto, l3Word, l3, close);
    }

    /** {@code tcp} (6) or {@code udp} (17), consumed. */
    private int tcpOrUdp(String what) throws RulesetParseException {
        Token w = in.peek();
        int proto = w.isWord("tcp") ? 6 : w.isWord("udp") ? 17 : -1;
        if (proto < 0) {
            throw in.err(w, "expected tcp or udp as " + what + ", found " + w.describe());
        }
        in.next();
        return proto;
    }

    /** The family after {@code l3proto}, consumed. */
    private Family l3proto() throws RulesetParseException {
        return family(in.expectWord("ip, ip6 or inet after \"l3proto\""));
    }

    private Family family(Token w) throws RulesetParseException {
        Optional<Family> fam = Family.fromKeyword(w.text());
        if (fam.isEmpty()) {
            throw in.err(w, "expected ip, ip6 or inet after \"l3proto\", found " + w.describe());
        }
        return fam.get();
    }
}
