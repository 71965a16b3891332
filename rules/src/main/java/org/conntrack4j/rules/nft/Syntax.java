package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.conntrack4j.rules.nft.Lexer.Token;

/**
 * The ruleset as written: what {@link Grammar} produces and {@link Evaluator} checks and turns into the
 * {@link Ruleset} model, as nft's parser hands its expressions to evaluate.c. Values are still text with their
 * positions (nothing is resolved: a port may be out of range, a chain name unknown, a protocol in conflict), and
 * tokens are kept wherever an evaluation error will point.
 */
final class Syntax {
    private Syntax() {
    }

    // ------------------------------------------------------------------------------------------------ structure

    record TableNode(Token keyword, Family family, Token name, List<TableItem> items) {
    }

    /** A chain, an object or a set, in the order written. */
    sealed interface TableItem permits HelperNode, TimeoutNode, ExpectationNode, SetDeclNode, ChainNode,
            FlowtableNode {
    }

    /**
     * {@code ct helper NAME { type "T" protocol P; l3proto F; }}: {@code type} (a string token) is null when the
     * block has none, {@code l3protoWord} when no l3proto was given; {@code close} is the closing brace.
     */
    record HelperNode(Token keyword, Token name, Token type, Token protocolWord, int protocol, Token l3protoWord,
            Family l3proto, Token close) implements TableItem {
    }

    /**
     * {@code ct timeout NAME { protocol P; l3proto F; policy = { STATE : N, ... } }}: {@code protocolWord} null when no
     * protocol was given; each policy entry is {state token, value token}.
     */
    record TimeoutNode(Token keyword, Token name, Token protocolWord, int protocol, Token l3protoWord, Family l3proto,
            List<Token[]> policy, Token close) implements TableItem {
    }

    /** {@code ct expectation NAME { protocol P; dport N; timeout T; size N; l3proto F; }}; absent items are null. */
    record ExpectationNode(Token keyword, Token name, Token protocolWord, Token dport, Token timeout, Token size,
            Token l3protoWord, Family l3proto, Token close) implements TableItem {
    }

    /** {@code set NAME { type T; size N; flags F, ...; }}; absent items are null (flags: empty). */
    record SetDeclNode(Token keyword, Token name, Token type, Token size, List<Token> flags, Token close)
            implements TableItem {
    }

    /**
     * {@code flowtable NAME { hook H priority P; devices = { D, ... }; counter; flags F; }}: absent items are null
     * (devices: empty, flags: empty); the priority as for a base chain ({@link BaseSpecNode}).
     */
    record FlowtableNode(Token keyword, Token name, Token hook, Token priorityStart, String priority,
            String priorityText, List<Token> devices, Token counter, List<Token> flags, Token close)
            implements TableItem {
    }

    record ChainNode(Token keyword, Token name, List<ChainItem> items) implements TableItem {
    }

    /** A line of a chain body, in the order written: the base chain spec, the policy, or a rule. */
    sealed interface ChainItem permits BaseSpecNode, PolicyNode, RuleNode {
    }

    /**
     * {@code type T hook H priority P}: the type and hook words as written, and the priority as its first token, the
     * words joined ({@code "filter+10"}) and the original text ({@code "filter + 10"}).
     */
    record BaseSpecNode(Token keyword, Token type, Token hook, Token priorityStart, String priority,
            String priorityText) implements ChainItem {
    }

    record PolicyNode(Token keyword, Policy policy) implements ChainItem {
    }

    /**
     * A rule. When something follows a terminal statement, {@code afterTerminal} is its first token and the rest
     * of the rule was skipped: the evaluator reports it once the elements before it are checked, as nft does.
     */
    record RuleNode(Token start, List<Element> elements, Token afterTerminal, Optional<String> comment)
            implements ChainItem {
    }

    // ------------------------------------------------------------------------------------------------ elements

    /** A match or a statement of a rule; {@code first} is the token it starts with. */
    sealed interface Element permits MatchNode, Ready, JumpNode, LogNode, CtHelperSetNode, CtMarkSetNode, NatNode,
            MetaMarkSetNode, CtZoneSetNode, CtLabelSetNode, CtObjectSetNode, ConnLimitNode, SetUpdateNode, RejectNode,
            FlowAddNode {
    }

    /**
     * {@code selector [& mask] op value}: {@code opToken} is the token where an operator is or would be,
     * {@code valueToken} the first token of the value; {@code op} as written ({@link Op#EQ} for {@code ==});
     * {@code mask} the value after {@code and}/{@code &}, or null.
     */
    record MatchNode(Selector selector, Token selectorToken, Op op, Token opToken, Value value, Token valueToken,
            Phrase mask) implements Element {
    }

    /** A statement that needs no evaluation (accept, drop, return, counter, notrack). */
    record Ready(Statement statement) implements Element {
    }

    /** {@code jump NAME} or {@code goto NAME}. */
    record JumpNode(boolean isGoto, Token target) implements Element {
    }

    /**
     * {@code log ...}: {@code prefix} is the string or word token, or null; {@code outside} holds the keyword of
     * each option outside the subset (snaplen, queue-threshold, flags), in the order written.
     */
    record LogNode(Token keyword, Token prefix, OptionalInt group, LogStatement.Level level, boolean levelGiven,
            List<Token> outside) implements Element {
    }

    record CtHelperSetNode(Token name) implements Element {
    }

    record CtMarkSetNode(Phrase value) implements Element {
    }

    record MetaMarkSetNode(Phrase value) implements Element {
    }

    /** {@code ct [original|reply] zone set N}; {@code direction} -1 for both. */
    record CtZoneSetNode(Token keyword, int direction, Phrase value) implements Element {
    }

    record CtLabelSetNode(Phrase value) implements Element {
    }

    /** {@code ct timeout set NAME} / {@code ct expectation set NAME}. */
    record CtObjectSetNode(CtObjectSetStatement.Kind kind, Token name) implements Element {
    }

    /** {@code ct count [over] N}. */
    record ConnLimitNode(Token keyword, boolean over, Token count) implements Element {
    }

    /** {@code add|update @SET { KEY [ct count ...] }}; {@code limit} may be null. */
    record SetUpdateNode(Token keyword, boolean update, Token set, Selector key, Token keyToken, ConnLimitNode limit)
            implements Element {
    }

    /** {@code reject with tcp reset}. */
    /** {@code flow add @NAME} / {@code flow offload @NAME}: {@code name} is the flowtable's name token. */
    record FlowAddNode(Token keyword, Token name) implements Element {
    }

    record RejectNode(Token keyword) implements Element {
    }

    /** A NAT statement; {@code family} is the ip/ip6 token or null, {@code target} the text after "to" or null. */
    record NatNode(NatStatement.Kind kind, Token keyword, Token family, Phrase target, Set<NatStatement.Flag> flags)
            implements Element {
    }

    // ------------------------------------------------------------------------------------------------ values

    /** The right-hand side of a match, as written. */
    sealed interface Value permits Words, Bracketed, Single, FlagList, SetNode {
    }

    /** A number, name, range, address or prefix, possibly written as several words ({@code 1 - 3}). */
    record Words(Phrase phrase) implements Value {
    }

    /** {@code [IPv6 address]}. */
    record Bracketed(Phrase phrase) implements Value {
    }

    /** One token: an interface name (quoted or not), an nfproto, a ct direction, one flag of a set. */
    record Single(Token token) implements Value {
    }

    /** {@code a,b | c} for ct state and ct status outside a set. */
    record FlagList(List<Token> flags) implements Value {
    }

    /** An anonymous set, nested sets flattened into it; the elements are never sets. */
    record SetNode(List<Value> elements) implements Value {
    }

    /**
     * The text of one value, with the positions of its characters. Words that nft would read as one value even when
     * written with spaces ({@code 1 - 3}, {@code 10.0.0.0 /8}) are joined.
     */
    static final class Phrase {
        /** Longest value accepted ("10.0.0.1-10.0.0.9" is 17), in characters. */
        static final int MAX_LENGTH = 4096;

        private final StringBuilder sb = new StringBuilder();
        private final List<int[]> segments = new ArrayList<>(); // {offset in phrase, line, column}
        private final String source;

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
}
