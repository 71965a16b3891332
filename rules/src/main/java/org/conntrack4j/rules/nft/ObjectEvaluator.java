package org.conntrack4j.rules.nft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.ExpectationNode;
import org.conntrack4j.rules.nft.Syntax.SetDeclNode;
import org.conntrack4j.rules.nft.Syntax.TimeoutNode;

/**
 * What nft and the kernel check in the conntrack objects and the sets of a table, for {@link Evaluator}:
 * {@code ct timeout} policies (states of the protocol, values), {@code ct expectation} objects (protocol, port, time,
 * size, the family the kernel accepts), and set declarations (the types, sizes and flags of the subset).
 */
final class ObjectEvaluator {

    private final String source;
    private final Values values;

    ObjectEvaluator(String source, Values values) {
        this.source = source;
        this.values = values;
    }

    private RulesetParseException err(Token t, String msg) {
        return new RulesetParseException(source, t.line(), t.column(), msg);
    }

    private SourcePos pos(Token t) {
        return new SourcePos(source, t.line(), t.column());
    }

    CtTimeoutObject timeout(Family table, TimeoutNode t) throws RulesetParseException {
        if (t.protocolWord() == null) {
            throw err(t.close(), "ct timeout \"" + t.name().text() + "\" needs a protocol (protocol tcp or udp)");
        }
        Family l3 = l3proto(table, t.l3protoWord(), t.l3proto());
        List<CtTimeoutObject.State> states = CtTimeoutObject.states(t.protocol());
        Map<String, Long> given = new LinkedHashMap<>();
        for (Token[] e : t.policy()) {
            String state = e[0].text();
            if (states.stream().noneMatch(st -> st.name().equals(state))) {
                throw err(e[0], "invalid state for this protocol (" + t.protocolWord().text() + ": "
                        + CtTimeoutObject.stateNames(t.protocol()) + ")");
            }
            long v = Numbers.parse(e[1].text());
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw err(e[1], "invalid timeout \"" + Lexer.abbreviate(e[1].text()) + "\" for " + state
                        + " (a number of seconds, 0-" + Integer.MAX_VALUE + ")");
            }
            given.put(state, v);
        }
        return new CtTimeoutObject(t.name().text(), t.protocol(), l3, given, pos(t.keyword()));
    }

    CtExpectationObject expectation(Family table, ExpectationNode x) throws RulesetParseException {
        String name = x.name().text();
        for (Object[] need : new Object[][] {{x.protocolWord(), "protocol"}, {x.dport(), "dport"},
            {x.timeout(), "timeout"}, {x.size(), "size"}}) {
            if (need[0] == null) {
                throw err(x.close(), "ct expectation \"" + name + "\" needs a " + need[1]
                        + " (protocol, dport, timeout and size are required)");
            }
        }
        int proto = Symbols.protocolNumber(x.protocolWord().text());
        if (proto < 0) {
            long n = Numbers.parse(x.protocolWord().text());
            proto = n >= 0 && n <= 255 ? (int) n : -1;
        }
        if (proto != 6 && proto != 17 && proto != 132 && proto != 33) {
            throw err(x.protocolWord(), "Could not process rule: Operation not supported (ct expectation protocol "
                    + x.protocolWord().describe() + ": the kernel expects tcp, udp, dccp or sctp)");
        }
        long dport = values.number(ValueKind.PORT, phrase(x.dport()), 0, x.dport().text().length());
        long ms = TimeSpec.parseMillis(x.timeout().text());
        if (ms < 0 || ms > 0xffffffffL) {
            throw err(x.timeout(), "invalid timeout \"" + Lexer.abbreviate(x.timeout().text())
                    + "\" (a time such as 30s, 1m30s or 500ms)");
        }
        long size = Numbers.parse(x.size().text());
        if (size < 0 || size > 255) {
            throw err(x.size(), "invalid size \"" + Lexer.abbreviate(x.size().text()) + "\" (0-255)");
        }
        Family l3 = x.l3proto() == null ? table : x.l3proto();
        // nft_ct_expect_obj_init: a family of its own, and one the table has
        if (l3 == Family.INET || table != Family.INET && l3 != table) {
            Token at = x.l3protoWord() != null ? x.l3protoWord() : x.name();
            throw err(at, "Could not process rule: Address family not supported by protocol (a ct expectation needs"
                    + " l3proto ip or ip6" + (table == Family.INET ? "" : " matching the " + table.keyword()
                    + " table") + ")");
        }
        return new CtExpectationObject(name, proto, (int) dport, ms, (int) size, l3, pos(x.keyword()));
    }

    NamedSet set(SetDeclNode d, boolean updated) throws RulesetParseException {
        if (d.type() == null) {
            throw err(d.close(), "set \"" + d.name().text() + "\" needs a type (type ipv4_addr or ipv6_addr)");
        }
        ValueKind kind;
        switch (d.type().text()) {
            case "ipv4_addr":
                kind = ValueKind.IPV4_ADDR;
                break;
            case "ipv6_addr":
                kind = ValueKind.IPV6_ADDR;
                break;
            default:
                throw err(d.type(), "unsupported set type \"" + Lexer.abbreviate(d.type().text())
                        + "\" (supported: ipv4_addr, ipv6_addr)");
        }
        long size = 0;
        if (d.size() != null) {
            size = Numbers.parse(d.size().text());
            if (size <= 0 || size > 0xffffffffL) {
                throw err(d.size(), "invalid set size \"" + Lexer.abbreviate(d.size().text())
                        + "\" (1-4294967295)");
            }
        }
        boolean dynamic = false;
        for (Token f : d.flags()) {
            if (!f.text().equals("dynamic")) {
                throw err(f, "unsupported set flag \"" + Lexer.abbreviate(f.text()) + "\" (supported: dynamic)");
            }
            dynamic = true;
        }
        if (updated) {
            // nft makes a set that rules add to dynamic, and gives it a size
            dynamic = true;
            if (size == 0) {
                size = NamedSet.DEFAULT_DYNAMIC_SIZE;
            }
        }
        return new NamedSet(d.name().text(), kind, size, dynamic, pos(d.keyword()));
    }

    private Family l3proto(Family table, Token word, Family given) throws RulesetParseException {
        if (given == null) {
            return table;
        }
        if (table != Family.INET && given != table && given != Family.INET) {
            throw err(word, "l3proto " + given.keyword() + " is not valid in an " + table.keyword() + " table");
        }
        return given;
    }

    private Syntax.Phrase phrase(Token t) {
        Syntax.Phrase ph = new Syntax.Phrase(source);
        ph.add(t, t.text(), 0);
        return ph;
    }
}
