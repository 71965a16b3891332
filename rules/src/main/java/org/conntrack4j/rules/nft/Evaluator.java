package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.BaseSpecNode;
import org.conntrack4j.rules.nft.Syntax.ChainItem;
import org.conntrack4j.rules.nft.Syntax.ChainNode;
import org.conntrack4j.rules.nft.Syntax.ConnLimitNode;
import org.conntrack4j.rules.nft.Syntax.CtHelperSetNode;
import org.conntrack4j.rules.nft.Syntax.CtLabelSetNode;
import org.conntrack4j.rules.nft.Syntax.CtMarkSetNode;
import org.conntrack4j.rules.nft.Syntax.CtObjectSetNode;
import org.conntrack4j.rules.nft.Syntax.CtZoneSetNode;
import org.conntrack4j.rules.nft.Syntax.Element;
import org.conntrack4j.rules.nft.Syntax.ExpectationNode;
import org.conntrack4j.rules.nft.Syntax.FlowAddNode;
import org.conntrack4j.rules.nft.Syntax.FlowtableNode;
import org.conntrack4j.rules.nft.Syntax.HelperNode;
import org.conntrack4j.rules.nft.Syntax.JumpNode;
import org.conntrack4j.rules.nft.Syntax.LogNode;
import org.conntrack4j.rules.nft.Syntax.MatchNode;
import org.conntrack4j.rules.nft.Syntax.MetaMarkSetNode;
import org.conntrack4j.rules.nft.Syntax.NatNode;
import org.conntrack4j.rules.nft.Syntax.PolicyNode;
import org.conntrack4j.rules.nft.Syntax.Ready;
import org.conntrack4j.rules.nft.Syntax.RejectNode;
import org.conntrack4j.rules.nft.Syntax.RuleNode;
import org.conntrack4j.rules.nft.Syntax.SetDeclNode;
import org.conntrack4j.rules.nft.Syntax.SetNode;
import org.conntrack4j.rules.nft.Syntax.SetUpdateNode;
import org.conntrack4j.rules.nft.Syntax.TableItem;
import org.conntrack4j.rules.nft.Syntax.TableNode;
import org.conntrack4j.rules.nft.Syntax.TimeoutNode;
import org.conntrack4j.rules.nft.Syntax.Words;

/**
 * The second of the parser's two steps, after {@link Grammar}: what nft's evaluate.c and the kernel check once the
 * text has parsed. It walks the {@link Syntax} tree in the order written, so the first error reported is the first
 * nft would report, and builds the {@link Ruleset}: values are resolved against what they are compared with
 * ({@link Values}), each rule keeps a protocol context for nft's dependency checks, statements are checked against
 * it (operators, NAT families and port mapping, log options), chains and ct helper objects against what the kernel
 * allows, and at last each table as a whole by {@link Validator} (references, jump loops and depth, NAT
 * placement: what the kernel refuses when nft commits the batch).
 */
final class Evaluator {

    /** IP protocols nft (1.0.6) has header descriptions for; only these take part in conflict checks. */
    private static final Set<Integer> KNOWN_TRANSPORTS = Set.of(1, 2, 6, 17, 33, 50, 51, 58, 108, 132, 136);

    private final String source;
    private final Values values;
    private final ObjectEvaluator objects;

    Evaluator(String source) {
        this.source = source;
        this.values = new Values(source);
        this.objects = new ObjectEvaluator(source, values);
    }

    private SourcePos pos(Token t) {
        return new SourcePos(source, t.line(), t.column());
    }

    private RulesetParseException err(Token t, String msg) {
        return new RulesetParseException(source, t.line(), t.column(), msg);
    }

    private static RulesetParseException err(SourcePos p, String msg) {
        return new RulesetParseException(p, msg);
    }

    Ruleset evaluate(List<TableNode> nodes) throws RulesetParseException {
        List<Table> tables = new ArrayList<>();
        List<Validator> references = new ArrayList<>();
        Map<String, Token> seen = new LinkedHashMap<>();
        for (TableNode node : nodes) {
            String key = node.family().keyword() + " " + node.name().text();
            Token prev = seen.putIfAbsent(key, node.name());
            if (prev != null) {
                throw err(node.name(), "duplicate table \"" + key + "\" (first declared at line " + prev.line()
                        + "); nft would merge the two blocks, this parser requires one block per table");
            }
            TableCtx ctx = new TableCtx(node.family(), node.name().text());
            Table table = table(ctx, node);
            tables.add(table);
            references.add(new Validator(table, ctx.jumps, ctx.helperRefs, ctx.nats, ctx.objectRefs, ctx.setRefs,
                    ctx.flowRefs));
        }
        // what the kernel refuses when the batch is committed comes after everything nft itself evaluates
        for (Validator v : references) {
            v.validate();
        }
        return new Ruleset(tables);
    }

    // ------------------------------------------------------------------------------------------------ table

    /** The table being evaluated, and the references checked when it is complete. */
    private static final class TableCtx {
        final Family family;
        final String name;
        final Map<String, CtHelperObject> helpers = new LinkedHashMap<>();
        /** Every object in the order declared, by kind and name. */
        final Map<String, TableObject> objects = new LinkedHashMap<>();
        final Map<String, SetDeclNode> sets = new LinkedHashMap<>();
        /** Sets rules add to: nft makes them dynamic, 65535 elements unless sized. */
        final Set<String> updatedSets = new java.util.HashSet<>();
        final Map<String, Chain> chains = new LinkedHashMap<>();
        final List<Validator.Ref> jumps = new ArrayList<>();
        final List<Validator.Ref> helperRefs = new ArrayList<>();
        final List<Validator.NatRef> nats = new ArrayList<>();
        final List<Validator.ObjectRef> objectRefs = new ArrayList<>();
        final List<Validator.SetRef> setRefs = new ArrayList<>();
        final List<Validator.Ref> flowRefs = new ArrayList<>();

        TableCtx(Family family, String name) {
            this.family = family;
            this.name = name;
        }

        String describe() {
            return family.keyword() + " " + name;
        }
    }

    private Table table(TableCtx ctx, TableNode node) throws RulesetParseException {
        for (TableItem item : node.items()) {
            if (item instanceof HelperNode h) {
                helper(ctx, h);
            } else if (item instanceof TimeoutNode t) {
                addObject(ctx, t.name(), objects.timeout(ctx.family, t));
            } else if (item instanceof ExpectationNode x) {
                addObject(ctx, x.name(), objects.expectation(ctx.family, x));
            } else if (item instanceof FlowtableNode f) {
                addObject(ctx, f.name(), flowtable(f));
            } else if (item instanceof SetDeclNode d) {
                if (ctx.sets.putIfAbsent(d.name().text(), d) != null) {
                    throw err(d.name(), "duplicate set \"" + d.name().text() + "\" in table " + ctx.describe());
                }
            } else {
                chain(ctx, (ChainNode) item);
            }
        }
        List<NamedSet> sets = new ArrayList<>();
        for (SetDeclNode d : ctx.sets.values()) {
            sets.add(objects.set(d, ctx.updatedSets.contains(d.name().text())));
        }
        return new Table(node.family(), node.name().text(), new ArrayList<>(ctx.objects.values()), sets,
                new ArrayList<>(ctx.chains.values()), pos(node.keyword()));
    }

    private void addObject(TableCtx ctx, Token name, TableObject o) throws RulesetParseException {
        String key = o.getClass().getSimpleName() + " " + o.name();
        if (ctx.objects.putIfAbsent(key, o) != null) {
            throw err(name, "duplicate " + (o instanceof CtTimeoutObject ? "ct timeout"
                    : o instanceof FlowtableObject ? "flowtable" : "ct expectation") + " \""
                    + o.name() + "\" in table " + ctx.describe());
        }
    }

    /**
     * A flowtable as {@code nf_tables_newflowtable} takes it: the ingress hook with a priority (netdev's one
     * standard name is {@code filter}), each device once, a name of at most 15 bytes; {@code flags offload}
     * (hardware offload) is refused, as the kernel refuses it for devices that cannot offload.
     */
    private FlowtableObject flowtable(FlowtableNode f) throws RulesetParseException {
        String name = f.name().text();
        if (f.hook() == null) {
            throw err(f.close(), "flowtable \"" + name + "\" needs a hook: hook ingress priority filter");
        }
        if (!f.hook().text().equals("ingress")) {
            throw err(f.hook(), "unsupported flowtable hook \"" + Lexer.abbreviate(f.hook().text())
                    + "\" (flowtables hook ingress only)");
        }
        long value;
        String s = f.priority();
        Token first = f.priorityStart();
        int i = 0;
        while (i < s.length() && Character.isLetter(s.charAt(i))) {
            i++;
        }
        if (i > 0) {
            String word = s.substring(0, i);
            if (!word.equals(FlowtableObject.FILTER)) {
                throw err(first, "unknown priority \"" + Lexer.abbreviate(word)
                        + "\" for a flowtable (the ingress hook knows: filter)");
            }
            value = 0;
            if (i < s.length()) {
                char sign = s.charAt(i);
                long off = Numbers.parse(s.substring(i + 1));
                if ((sign != '+' && sign != '-') || off < 0 || off == Numbers.TOO_BIG) {
                    throw err(first, "invalid priority \"" + Lexer.abbreviate(f.priorityText())
                            + "\" (expected filter, filter + N, filter - N or a number)");
                }
                value = sign == '+' ? off : -off;
            }
        } else {
            boolean neg = s.startsWith("-");
            long v = Numbers.parse(neg ? s.substring(1) : s);
            if (v < 0 || v == Numbers.TOO_BIG) {
                throw err(first, "invalid priority \"" + Lexer.abbreviate(f.priorityText())
                        + "\" (expected filter, filter + N, filter - N or a number)");
            }
            value = neg ? -v : v;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw err(first, "priority " + value + " out of range (a 32-bit signed number)");
        }
        List<String> devices = new ArrayList<>();
        for (Token d : f.devices()) {
            String dev = d.text();
            if (dev.isEmpty() || SourceText.byteLength(dev) > 15) {
                throw err(d, "invalid device name \"" + Lexer.abbreviate(dev) + "\" (1 to 15 characters)");
            }
            if (devices.contains(dev)) {
                throw err(d, "Could not process rule: File exists (device " + dev + " given twice in flowtable \""
                        + name + "\")");
            }
            devices.add(dev);
        }
        for (Token flag : f.flags()) {
            if (flag.text().equals("offload")) {
                throw err(flag, "Could not process rule: Operation not supported (flags offload asks for hardware"
                        + " offload, which no device here has)");
            }
            throw err(flag, "unknown flowtable flag \"" + Lexer.abbreviate(flag.text()) + "\" (known: offload)");
        }
        return new FlowtableObject(name, new ChainPriority((int) value, f.priorityText()), devices,
                f.counter() != null, pos(f.keyword()));
    }

    private void helper(TableCtx ctx, HelperNode h) throws RulesetParseException {
        String name = h.name().text();
        if (ctx.helpers.containsKey(name)) {
            throw err(h.name(), "duplicate ct helper \"" + name + "\" in table " + ctx.describe());
        }
        Token typeTok = h.type();
        if (typeTok == null) {
            throw err(h.close(), "ct helper \"" + name + "\" needs a type: type \"ftp\" protocol tcp");
        }
        String type = typeTok.text();
        if (type.isEmpty() || SourceText.byteLength(type) > 15) {
            throw err(typeTok, "invalid helper type \"" + Lexer.abbreviate(type) + "\" (1 to 15 characters)");
        }
        Symbols.KernelHelper kh = Symbols.kernelHelper(type);
        if (kh == null) {
            throw err(typeTok, "unknown conntrack helper type \"" + type + "\" (the kernel has: ftp, tftp, irc, "
                    + "sane, sip, amanda, pptp, snmp, netbios-ns, H.245, Q.931, RAS)");
        }
        if (!kh.protocols().contains(h.protocol())) {
            throw err(h.protocolWord(), "conntrack helper \"" + type + "\" does not handle "
                    + h.protocolWord().text());
        }
        Family l3 = h.l3proto();
        if (l3 == null) {
            l3 = ctx.family;
        } else if (ctx.family != Family.INET && l3 != ctx.family && l3 != Family.INET) {
            throw err(h.l3protoWord(), "l3proto " + l3.keyword() + " is not valid in an " + ctx.family.keyword()
                    + " table");
        }
        boolean supported = l3 == Family.IP ? kh.ipv4() : l3 == Family.IP6 ? kh.ipv6() : kh.ipv4() || kh.ipv6();
        if (!supported) {
            throw err(typeTok, "conntrack helper \"" + type + "\" has no " + (l3 == Family.IP ? "IPv4" : "IPv6")
                    + " version");
        }
        CtHelperObject object = new CtHelperObject(name, type, h.protocol(), l3, pos(h.keyword()));
        ctx.helpers.put(name, object);
        ctx.objects.put("CtHelperObject " + name, object);
    }

    // ------------------------------------------------------------------------------------------------ chain

    private void chain(TableCtx ctx, ChainNode node) throws RulesetParseException {
        String name = node.name().text();
        Chain prev = ctx.chains.get(name);
        if (prev != null) {
            throw err(node.name(), "duplicate chain \"" + name + "\" in table " + ctx.describe()
                    + " (first declared at line " + prev.position().line() + ")");
        }
        BaseSpecNode spec = null;
        ChainType type = null;
        Hook hook = null;
        ChainPriority priority = null;
        PolicyNode policy = null;
        List<Rule> rules = new ArrayList<>();
        for (ChainItem item : node.items()) {
            if (item instanceof BaseSpecNode b) {
                spec = b;
                type = chainType(b.type());
                hook = Hook.fromKeyword(b.hook().text()).orElseThrow(() -> err(b.hook(), "unsupported hook \""
                        + Lexer.abbreviate(b.hook().text())
                        + "\" (supported: prerouting, input, forward, output, postrouting)"));
                if (!type.allows(hook)) {
                    throw err(b.hook(), "a " + type.keyword() + " chain cannot use the " + hook.keyword()
                            + " hook (supported: prerouting, input, output, postrouting)");
                }
                priority = priority(b, hook);
                if (type == ChainType.NAT && priority.value() <= -200) {
                    throw err(b.priorityStart(), "a nat chain needs a priority above -200 (conntrack runs at -200),"
                            + " not " + priority.value());
                }
            } else if (item instanceof PolicyNode p) {
                policy = p;
            } else {
                rules.add(rule(ctx, name, hook, (RuleNode) item));
            }
        }
        if (policy != null && spec == null) {
            throw err(policy.keyword(), "a policy is only allowed in base chains (chain \"" + name
                    + "\" has no type/hook/priority)");
        }
        Optional<BaseChainSpec> base = spec == null ? Optional.empty()
                : Optional.of(new BaseChainSpec(type, hook, priority,
                        policy == null ? Policy.ACCEPT : policy.policy()));
        ctx.chains.put(name, new Chain(name, base, rules, pos(node.keyword())));
    }

    private ChainType chainType(Token tt) throws RulesetParseException {
        Optional<ChainType> ct = ChainType.fromKeyword(tt.text());
        if (ct.isEmpty()) {
            throw err(tt, (tt.text().equals("route") ? "chain type \"route\" is not supported"
                    : "unknown chain type \"" + Lexer.abbreviate(tt.text()) + "\"") + " (supported: filter, nat)");
        }
        return ct.get();
    }

    /**
     * {@code N}, {@code NAME}, {@code NAME + N}, {@code NAME - N}, the names as in {@link StandardPriority}. The
     * value must fit in 32 bits.
     */
    private ChainPriority priority(BaseSpecNode b, Hook hook) throws RulesetParseException {
        Token first = b.priorityStart();
        String s = b.priority();
        String original = b.priorityText();
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
                long off = Numbers.parse(s.substring(i + 1));
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

    /**
     * Protocol context of the rule being evaluated, for nft's dependency checks: which network and transport
     * protocol earlier matches fixed. A set of several protocols leaves the context ambiguous, and nft then refuses
     * any header match of that layer ("meta l4proto { tcp, udp } tcp dport 1" is refused by nft 1.0.6).
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

    private Rule rule(TableCtx ctx, String chainName, Hook hook, RuleNode node) throws RulesetParseException {
        RuleCtx rc = new RuleCtx(ctx.family);
        List<RuleElement> elements = new ArrayList<>(node.elements().size());
        for (Element e : node.elements()) {
            if (e instanceof RejectNode r) {
                reject(ctx, rc, hook, r, node, elements);
            }
            elements.add(element(ctx, rc, chainName, e));
        }
        Token after = node.afterTerminal();
        if (after != null) {
            throw err(after, "statement after terminal statement \"" + elements.get(elements.size() - 1)
                    + "\" has no effect (found " + after.describe() + ")");
        }
        return new Rule(elements, node.comment(), pos(node.start()));
    }

    private RuleElement element(TableCtx ctx, RuleCtx rc, String chainName, Element e)
            throws RulesetParseException {
        if (e instanceof MatchNode m) {
            return match(ctx, rc, m);
        }
        if (e instanceof Ready r) {
            return r.statement();
        }
        if (e instanceof JumpNode j) {
            String target = j.target().text();
            ctx.jumps.add(new Validator.Ref(chainName, target, pos(j.target())));
            return j.isGoto() ? VerdictStatement.goTo(target) : VerdictStatement.jump(target);
        }
        if (e instanceof LogNode l) {
            return log(l);
        }
        if (e instanceof CtHelperSetNode h) {
            if (h.name().text().isEmpty()) {
                throw err(h.name(), "empty ct helper name");
            }
            ctx.helperRefs.add(new Validator.Ref(null, h.name().text(), pos(h.name())));
            return new CtHelperSetStatement(h.name().text());
        }
        if (e instanceof CtMarkSetNode m) {
            return new CtMarkSetStatement(values.number(ValueKind.CT_MARK, m.value(), 0, m.value().length()));
        }
        if (e instanceof MetaMarkSetNode m) {
            return new MetaMarkSetStatement(values.number(ValueKind.META_MARK, m.value(), 0, m.value().length()));
        }
        if (e instanceof CtZoneSetNode z) {
            return new CtZoneSetStatement(z.direction(), (int) values.number(ValueKind.CT_ZONE, z.value(), 0,
                    z.value().length()));
        }
        if (e instanceof CtLabelSetNode l) {
            return new CtLabelSetStatement(values.label(l.value()));
        }
        if (e instanceof CtObjectSetNode o) {
            if (o.name().text().isEmpty()) {
                throw err(o.name(), "empty ct " + o.kind().keyword() + " name");
            }
            ctx.objectRefs.add(new Validator.ObjectRef(o.kind(), o.name().text(), pos(o.name())));
            return new CtObjectSetStatement(o.kind(), o.name().text());
        }
        if (e instanceof ConnLimitNode c) {
            return new ConnLimitStatement(connLimit(c));
        }
        if (e instanceof SetUpdateNode u) {
            return setUpdate(ctx, rc, u);
        }
        if (e instanceof RejectNode) {
            return new RejectStatement();
        }
        if (e instanceof FlowAddNode f) {
            ctx.flowRefs.add(new Validator.Ref(chainName, f.name().text(), pos(f.name())));
            return new FlowAddStatement(f.name().text());
        }
        return nat(ctx, rc, chainName, (NatNode) e);
    }

    // ------------------------------------------------------------------------------------------------ matches

    private Match match(TableCtx ctx, RuleCtx rc, MatchNode m) throws RulesetParseException {
        Selector sel = m.selector();
        Token selTok = m.selectorToken();
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
        Op op = m.op();
        ValueKind kind = sel.kind();
        if (kind == ValueKind.CT_LABEL) {
            return labelMatch(m);
        }
        if (m.mask() != null) {
            return maskedMatch(m);
        }
        if (op.isRelational() && !kind.isOrdered()) {
            throw err(m.opToken(), "operator \"" + op.symbol() + "\" is not supported for " + sel.keyword()
                    + " (only ==, != and no operator)");
        }
        Operand value;
        if (m.value() instanceof SetNode) {
            if (op.isRelational()) {
                throw err(m.opToken(), "operator \"" + op.symbol() + "\" cannot be used with a set");
            }
            value = values.resolve(sel, m.value());
            if (kind.isBitmask() && value instanceof Operand.Num n) {
                // nft compiles a one-element flag set like the bare flags: "ct status { assured }" tests the bit,
                // "ct status == { assured }" and "!= { assured }" compare the whole value (nft 1.0.6 --debug=netlink)
                value = new Operand.Flags(n.value());
            }
        } else {
            value = values.resolve(sel, m.value());
            if (op.isRelational() && (value instanceof Operand.Range
                    || value instanceof IpAddress a && !a.isHost())) {
                throw err(m.valueToken(), "operator \"" + op.symbol()
                        + "\" needs a single value, not a range or prefix");
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

    /**
     * {@code ct label N} tests the label; {@code ct label == N} and {@code != N} compare the labels with that one
     * alone (nft 1.0.6 {@code --debug=netlink}).
     */
    private Match labelMatch(MatchNode m) throws RulesetParseException {
        Op op = m.op();
        if (op != Op.IMPLICIT && op != Op.EQ && op != Op.NE) {
            throw err(m.opToken(), "operator \"" + op.symbol() + "\" is not supported for ct label (only ==, != and"
                    + " no operator)");
        }
        if (!(m.value() instanceof Words w)) {
            throw err(m.valueToken(), "ct label takes one label here, not a set");
        }
        return new Match(Selector.CT_LABEL, op, new Operand.Num(values.label(w.phrase())));
    }

    /** {@code ct mark and MASK [op] VALUE}: one value, compared with == or != (nft lists both with the operator). */
    private Match maskedMatch(MatchNode m) throws RulesetParseException {
        ValueKind kind = m.selector().kind();
        Op op = m.op();
        if (op != Op.IMPLICIT && op != Op.EQ && op != Op.NE) {
            throw err(m.opToken(), "operator \"" + op.symbol() + "\" is not supported with a mask (only ==, != and"
                    + " no operator)");
        }
        if (!(m.value() instanceof Words w)) {
            throw err(m.valueToken(), "a masked " + m.selector().keyword() + " is compared with one value, not a set");
        }
        long mask = values.number(kind, m.mask(), 0, m.mask().length());
        long value = values.number(kind, w.phrase(), 0, w.phrase().length());
        return new Match(m.selector(), op == Op.NE ? Op.NE : Op.EQ, new Operand.Num(value),
                java.util.OptionalLong.of(mask));
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

    // ------------------------------------------------------------------------------------------------ statements

    /** nft's checks of the log options (stmt_evaluate_log), then the subset's and the kernel's. */
    private Statement log(LogNode l) throws RulesetParseException {
        boolean nflog = l.group().isPresent(); // group, snaplen and queue-threshold send the packet to nflog
        boolean flags = false;
        for (Token option : l.outside()) {
            if (option.isWord("flags")) {
                flags = true;
            } else {
                nflog = true;
            }
        }
        if (nflog && l.levelGiven()) {
            throw err(l.keyword(), "log level and group are mutually exclusive");
        }
        if (nflog && flags) {
            throw err(l.keyword(), "log flags and group are mutually exclusive");
        }
        if (l.level() == LogStatement.Level.AUDIT && (l.prefix() != null || nflog || flags)) {
            throw err(l.keyword(), "log level audit doesn't support any further options");
        }
        if (!l.outside().isEmpty()) {
            Token option = l.outside().get(0);
            throw err(option, "log option \"" + option.text() + "\" is not supported (supported: prefix, group,"
                    + " level)");
        }
        Optional<String> prefix = Optional.empty();
        if (l.prefix() != null) {
            if (SourceText.byteLength(l.prefix().text()) > 127) { // NF_LOG_PREFIXLEN 128, with the NUL
                throw err(l.prefix(), "log prefix longer than 127 bytes");
            }
            prefix = Optional.of(l.prefix().text());
        }
        return new LogStatement(prefix, l.group(), l.level());
    }

    /**
     * {@code reject with tcp reset}: the kernel refuses it at the postrouting hook; nft refuses it after a match of
     * another transport protocol, and in an inet table puts {@code meta l4proto tcp} first in the rule (as
     * {@code nft list ruleset} shows it, so a statement before the reject sees TCP only) unless the rule
     * matched tcp already (an ip or ip6 table gets the same test unlisted; the evaluator tests TCP itself).
     */
    private void reject(TableCtx ctx, RuleCtx rc, Hook hook, RejectNode r, RuleNode rule, List<RuleElement> elements)
            throws RulesetParseException {
        if (hook == Hook.POSTROUTING) {
            throw err(rule.start(), "Could not process rule: Operation not supported (reject is not valid at the"
                    + " postrouting hook)");
        }
        int other = rc.transport;
        if (rc.transportSet != null && !rc.transportSet.contains(6)) {
            other = rc.transportSet.iterator().next();
        }
        if (other >= 0 && other != 6 || rc.transportSet != null && rc.transportSet.size() > 1) {
            throw err(r.keyword(), "you cannot use tcp reset with this protocol");
        }
        if (other != 6 && ctx.family == Family.INET) {
            elements.add(0, new Match(Selector.META_L4PROTO, Op.IMPLICIT, new Operand.Num(6)));
        }
        rc.transport = 6;
        rc.l4Known = true;
    }

    private ConnLimit connLimit(ConnLimitNode c) throws RulesetParseException {
        long n = Numbers.parse(c.count().text());
        if (n < 0 || n > 0xffffffffL) {
            throw err(c.count(), "invalid ct count \"" + Lexer.abbreviate(c.count().text())
                    + "\" (a number 0-4294967295)");
        }
        return new ConnLimit(n, c.over());
    }

    /** {@code add|update @SET { KEY [ct count ...] }}: the key's network protocol joins the rule's context. */
    private Statement setUpdate(TableCtx ctx, RuleCtx rc, SetUpdateNode u) throws RulesetParseException {
        Selector key = u.key();
        Family other = rc.network;
        if (rc.networkSet != null) {
            other = rc.networkSet.stream().filter(f -> f != key.network()).findFirst().orElse(null);
        }
        if (other != null && other != key.network()) {
            throw err(u.keyToken(), "conflicting protocols specified: " + other.keyword() + " vs. "
                    + key.network().keyword());
        }
        rc.network = key.network();
        rc.networkSet = null;
        ctx.updatedSets.add(u.set().text());
        ctx.setRefs.add(new Validator.SetRef(u.set().text(), key, pos(u.set()), pos(u.keyToken())));
        Optional<ConnLimit> limit = u.limit() == null ? Optional.empty() : Optional.of(connLimit(u.limit()));
        return new SetUpdateStatement(u.update(), u.set().text(), key, limit);
    }

    private Statement nat(TableCtx ctx, RuleCtx rc, String chainName, NatNode n) throws RulesetParseException {
        NatStatement.Kind kind = n.kind();
        Token kw = n.keyword();
        Token famTok = n.family();
        Optional<Family> family = famTok == null ? Optional.empty() : Family.fromKeyword(famTok.text());
        Values.NatTarget target = n.target() == null
                ? new Values.NatTarget(Optional.empty(), Optional.empty(), null, null)
                : values.natTarget(kind, n.target());
        Optional<Operand> address = target.address();
        // family rules of nft
        Optional<Boolean> v6 = address.map(a -> a instanceof IpAddress ip ? ip.isIpv6()
                : ((IpAddress) ((Operand.Range) a).low()).isIpv6());
        if (ctx.family != Family.INET) {
            if (family.isPresent() && family.get() != ctx.family) {
                throw err(famTok, "conflicting protocols specified: " + ctx.family.keyword() + " vs. "
                        + family.get().keyword() + " (this is an " + ctx.family.keyword() + " table)");
            }
            if (v6.isPresent() && v6.get() != (ctx.family == Family.IP6)) {
                throw err(target.addressPos(), (v6.get() ? "IPv6" : "IPv4") + " address in a NAT statement of an "
                        + ctx.family.keyword() + " table");
            }
            family = Optional.empty(); // implied by the table; nft lists it without
        } else if (address.isPresent()) {
            if (family.isEmpty()) {
                throw err(kw, "ip or ip6 must be specified with an address in inet tables (" + kind.keyword()
                        + " ip to ... / " + kind.keyword() + " ip6 to ...)");
            }
            if (v6.get() != (family.get() == Family.IP6)) {
                throw err(target.addressPos(), (v6.get() ? "IPv6" : "IPv4") + " address after \"" + kind.keyword()
                        + " " + family.get().keyword() + " to\"");
            }
        } else if (family.isPresent()) {
            throw err(famTok, "\"" + kind.keyword() + " " + family.get().keyword()
                    + " to\" needs an address (write \"" + kind.keyword() + " to :PORT\" for a port only)");
        }
        if (family.isPresent() && rc.network != null && rc.network != family.get()) {
            throw err(famTok, "conflicting protocols specified: " + rc.network.keyword() + " vs. "
                    + family.get().keyword() + " (the rule already matched " + rc.network.keyword() + ")");
        }
        if (target.ports().isPresent() && !rc.l4Known) {
            throw err(target.portPos(), "transport protocol mapping is only valid after transport protocol match"
                    + " (add e.g. \"meta l4proto tcp\" or \"tcp dport ...\" before " + kind.keyword() + ")");
        }
        ctx.nats.add(new Validator.NatRef(chainName, kind, pos(kw)));
        return new NatStatement(kind, family, address, target.ports(), n.flags());
    }
}
