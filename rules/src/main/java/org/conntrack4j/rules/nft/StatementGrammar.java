package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.LogNode;
import org.conntrack4j.rules.nft.Syntax.NatNode;
import org.conntrack4j.rules.nft.Syntax.Phrase;
import org.conntrack4j.rules.nft.Syntax.Ready;

/**
 * The grammar of the statements with options, for {@link RuleGrammar}: {@code counter}, {@code log} and the NAT
 * statements. Option values that nft's own grammar reads as numbers or keywords are read here; what they mean
 * together (log level and group, NAT families and port mapping) is for {@link Evaluator}.
 */
final class StatementGrammar {

    private final TokenStream in;

    StatementGrammar(TokenStream in) {
        this.in = in;
    }

    Ready counter() throws RulesetParseException {
        in.next();
        long packets = 0;
        long bytes = 0;
        boolean seenPackets = false;
        boolean seenBytes = false;
        while (in.peek().isWord("packets") || in.peek().isWord("bytes")) {
            Token k = in.next();
            boolean isPackets = k.text().equals("packets");
            if (isPackets ? seenPackets : seenBytes) {
                throw in.err(k, "counter " + k.text() + " given twice");
            }
            Token v = in.expectWord("a number after \"" + k.text() + "\"");
            long n;
            try {
                if (!v.text().matches("0|[1-9][0-9]{0,19}")) {
                    throw new NumberFormatException();
                }
                n = Long.parseUnsignedLong(v.text());
            } catch (NumberFormatException e) {
                throw in.err(v, "invalid counter value \"" + Lexer.abbreviate(v.text())
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
        return new Ready(new CounterStatement(packets, bytes));
    }

    /**
     * {@code log} and its options, each as often as wanted (the last value counts, as in nft): {@code prefix TEXT},
     * {@code group N}, {@code level L}, and {@code snaplen N}, {@code queue-threshold N} and {@code flags F}, which
     * are outside the subset but read with nft's syntax, so that where nft refuses the combination the evaluator
     * gives nft's answer first.
     */
    LogNode log() throws RulesetParseException {
        Token kw = in.next();
        Token prefix = null;
        OptionalInt group = OptionalInt.empty();
        LogStatement.Level level = LogStatement.Level.WARN;
        boolean levelGiven = false;
        List<Token> outside = new ArrayList<>();
        while (in.peek().kind() == Kind.WORD) {
            Token k = in.peek();
            switch (k.text()) {
                case "prefix":
                    in.next();
                    prefix = in.expectText("the log prefix after \"prefix\"");
                    break;
                case "group":
                    in.next();
                    group = OptionalInt.of(logGroup());
                    break;
                case "level": {
                    in.next();
                    Token v = in.expectWord("a log level after \"level\"");
                    Optional<LogStatement.Level> l = LogStatement.Level.fromKeyword(v.text());
                    if (l.isEmpty()) {
                        throw in.err(v, "unknown log level \"" + Lexer.abbreviate(v.text())
                                + "\" (known: emerg, alert, crit, err, warn, notice, info, debug, audit)");
                    }
                    level = l.get();
                    levelGiven = true;
                    break;
                }
                case "snaplen":
                case "queue-threshold": {
                    outside.add(in.next());
                    Token v = in.expectWord("a number after \"" + k.text() + "\"");
                    long n = Numbers.parse(v.text());
                    if (n < 0 && n != Numbers.TOO_BIG) {
                        throw in.err(v, "expected a number after \"" + k.text() + "\", found " + v.describe());
                    }
                    break;
                }
                case "flags":
                    outside.add(in.next());
                    logFlags();
                    break;
                default:
                    return new LogNode(kw, prefix, group, level, levelGiven, outside);
            }
        }
        return new LogNode(kw, prefix, group, level, levelGiven, outside);
    }

    /**
     * The group number: 16 bits. nft 1.0.6 keeps only the low 16 bits of a larger number without a word (65536 is
     * group 0); a typing error that silent is refused here.
     */
    private int logGroup() throws RulesetParseException {
        Token v = in.expectWord("a group number after \"group\"");
        long n = Numbers.parse(v.text());
        if (n == Numbers.LEADING_ZERO) {
            throw in.err(v, "number \"" + Lexer.abbreviate(v.text()) + "\" has a leading zero (nft would read it as"
                    + " octal); write it without");
        }
        if (n == Numbers.BAD) {
            throw in.err(v, "expected a group number after \"group\", found " + v.describe());
        }
        if (n == Numbers.TOO_BIG || n > 65535) {
            throw in.err(v, "log group \"" + Lexer.abbreviate(v.text()) + "\" out of range (0-65535"
                    + (n > 65535 ? "; nft 1.0.6 would silently use group " + (n & 0xffff) : "") + ")");
        }
        return (int) n;
    }

    /** nft's log flags: {@code tcp sequence[,options]}, {@code tcp options}, {@code ip options}, skuid, ether, all. */
    private void logFlags() throws RulesetParseException {
        Token f = in.expectWord("log flags (tcp sequence, tcp options, ip options, skuid, ether, all)");
        switch (f.text()) {
            case "tcp":
                while (true) {
                    Token t = in.peek();
                    if (!t.isWord("sequence") && !t.isWord("options")) {
                        throw in.err(t, "expected sequence or options after \"log flags tcp\", found " + t.describe());
                    }
                    in.next();
                    if (in.peek().kind() != Kind.COMMA) {
                        return;
                    }
                    in.next();
                }
            case "ip": {
                Token t = in.peek();
                if (!t.isWord("options")) {
                    throw in.err(t, "expected options after \"log flags ip\", found " + t.describe());
                }
                in.next();
                return;
            }
            case "skuid":
            case "ether":
            case "all":
                return;
            default:
                throw in.err(f, "unknown log flags " + f.describe()
                        + " (known: tcp sequence, tcp options, ip options, skuid, ether, all)");
        }
    }

    NatNode nat(NatStatement.Kind kind) throws RulesetParseException {
        Token kw = in.next();
        Token famTok = null;
        if (kind.takesAddress() && (in.peek().isWord("ip") || in.peek().isWord("ip6"))) {
            famTok = in.next();
        }
        Phrase target = null;
        if (in.peek().isWord("to")) {
            in.next();
            target = natTarget();
        } else if (kind.takesAddress()) {
            Token t = in.peek();
            throw in.err(t, "expected \"to\" after \"" + kind.keyword() + (famTok != null ? " " + famTok.text() : "")
                    + "\", found " + t.describe());
        }
        Set<NatStatement.Flag> flags = EnumSet.noneOf(NatStatement.Flag.class);
        if (in.peek().kind() == Kind.WORD && NatStatement.Flag.fromKeyword(in.peek().text()).isPresent()) {
            while (true) {
                Token f = in.expectWord("a NAT flag (random, fully-random, persistent)");
                Optional<NatStatement.Flag> flag = NatStatement.Flag.fromKeyword(f.text());
                if (flag.isEmpty()) {
                    throw in.err(f, "unknown NAT flag " + f.describe() + " (known: random, fully-random, persistent)");
                }
                flags.add(flag.get());
                if (in.peek().kind() != Kind.COMMA) {
                    break;
                }
                in.next();
            }
        }
        return new NatNode(kind, kw, famTok, target, flags);
    }

    /** The target after "to": words and brackets nft reads as one address/port expression. */
    private Phrase natTarget() throws RulesetParseException {
        Token first = in.peek();
        if (first.kind() != Kind.WORD && first.kind() != Kind.LBRACKET) {
            throw in.err(first, "expected an address or :PORT after \"to\", found " + first.describe());
        }
        Phrase ph = new Phrase(in.source);
        Token prev = in.next();
        ph.add(prev, prev.text(), 0);
        while (true) {
            Token n = in.peek();
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
            prev = in.next();
            ph.add(prev, prev.text(), 0);
            if (ph.length() > Phrase.MAX_LENGTH) {
                throw in.err(first, "NAT target longer than " + Phrase.MAX_LENGTH + " characters");
            }
        }
        return ph;
    }
}
