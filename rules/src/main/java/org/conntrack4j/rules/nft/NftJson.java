package org.conntrack4j.rules.nft;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.text.CtJson;

/**
 * A ruleset as {@code nft -j list ruleset} prints it (libnftables JSON, {@code json_schema_version} 1, nft 1.0.6's
 * shape, checked member by member against the kernel's): {@code {"nftables": [metainfo, tables, objects, sets,
 * chains, rules]}}, one line. The members that nft takes from the kernel are derived as a fresh {@code nft -f} of
 * the ruleset would get them: table handles 1, 2, ... in order; in each table one handle counter, given to the
 * chains, then the objects, then the named sets, then rule by rule, each anonymous set ({@code { a, b }}) of a rule
 * taking one before its rule. Counters are the values in the {@link CounterStatement}s (the live ones for the
 * ruleset in force).
 *
 * <p>The mapping is built as a tree of maps, lists, strings and numbers, then written; a construct with no JSON
 * form here is an {@link IllegalArgumentException} naming it, never a guess.
 *
 * @since 1.3
 */
public final class NftJson {
    /** The libnftables JSON schema version written in {@code metainfo}. */
    public static final int SCHEMA_VERSION = 1;
    /** {@code metainfo.version}: the nft release whose listing and JSON conntrack4j follows. */
    public static final String NFT_VERSION = "1.0.6";
    /** {@code metainfo.release_name}: says who wrote the document (nft writes its release's name). */
    public static final String RELEASE_NAME = "conntrack4j";

    private NftJson() {
    }

    /**
     * The ruleset as one line of {@code nft -j list ruleset} JSON (no trailing newline).
     *
     * @throws IllegalArgumentException naming a construct this mapping does not cover
     */
    public static String of(Ruleset ruleset) {
        List<Object> items = new ArrayList<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("version", NFT_VERSION);
        meta.put("release_name", RELEASE_NAME);
        meta.put("json_schema_version", SCHEMA_VERSION);
        items.add(Map.of("metainfo", meta));
        int tableHandle = 0;
        for (Table t : ruleset.tables()) {
            table(items, t, ++tableHandle);
        }
        StringBuilder sb = new StringBuilder();
        write(sb, Map.of("nftables", items));
        return sb.toString();
    }

    private static void table(List<Object> items, Table t, int tableHandle) {
        String family = t.family().keyword();
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("family", family);
        tm.put("name", t.name());
        tm.put("handle", tableHandle);
        items.add(Map.of("table", tm));
        // nft -f adds a table's chains first, then its objects and sets, then the rules
        long handle = 0;
        long[] chainHandles = new long[t.chains().size()];
        for (int i = 0; i < chainHandles.length; i++) {
            chainHandles[i] = ++handle;
        }
        for (TableObject o : t.objects()) {
            items.add(object(o, family, t.name(), ++handle));
        }
        for (NamedSet s : t.sets()) {
            Map<String, Object> m = head(family, s.name(), t.name());
            m.put("type", s.typeName());
            m.put("handle", ++handle);
            if (s.size() != 0) {
                m.put("size", s.size());
            }
            items.add(Map.of("set", m)); // nft's JSON leaves out the set's "dynamic" flag
        }
        List<Object> rules = new ArrayList<>();
        for (int i = 0; i < chainHandles.length; i++) {
            Chain c = t.chains().get(i);
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("family", family);
            cm.put("table", t.name());
            cm.put("name", c.name());
            cm.put("handle", chainHandles[i]);
            c.baseSpec().ifPresent(b -> {
                cm.put("type", b.type().keyword());
                cm.put("hook", b.hook().keyword());
                cm.put("prio", b.priority().value());
                cm.put("policy", b.policy().keyword());
            });
            items.add(Map.of("chain", cm));
            for (Rule r : c.rules()) {
                for (Match m : r.matches()) {
                    if (m.value() instanceof Operand.SetOf) {
                        handle++; // the anonymous set nft creates for the rule
                    }
                }
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("family", family);
                rm.put("table", t.name());
                rm.put("chain", c.name());
                rm.put("handle", ++handle);
                r.comment().ifPresent(text -> rm.put("comment", text));
                List<Object> expr = new ArrayList<>();
                for (RuleElement e : r.elements()) {
                    expr.add(e instanceof Match m ? match(m) : statement((Statement) e));
                }
                rm.put("expr", expr);
                rules.add(Map.of("rule", rm));
            }
        }
        items.addAll(rules);
    }

    private static Map<String, Object> head(String family, String name, String table) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", family);
        m.put("name", name);
        m.put("table", table);
        return m;
    }

    private static Map<String, Object> object(TableObject o, String family, String table, long handle) {
        Map<String, Object> m = head(family, o.name(), table);
        m.put("handle", handle);
        if (o instanceof CtHelperObject h) {
            m.put("type", h.type());
            m.put("protocol", Symbols.protocolName(h.protocol()));
            m.put("l3proto", h.listedL3proto().keyword());
            return Map.of("ct helper", m);
        }
        if (o instanceof CtTimeoutObject t) {
            m.put("protocol", Symbols.protocolName(t.protocol()));
            m.put("l3proto", t.l3proto().keyword());
            // as in the text listing: the states whose value is not nft's default
            Map<String, Object> policy = new LinkedHashMap<>();
            for (CtTimeoutObject.State st : CtTimeoutObject.states(t.protocol())) {
                long v = t.timeouts().get(st.name());
                if (v != st.defaultSeconds()) {
                    policy.put(st.name(), v);
                }
            }
            m.put("policy", policy.isEmpty() ? NULL : policy); // nft writes null when every state has its default
            return Map.of("ct timeout", m);
        }
        if (o instanceof CtExpectationObject x) {
            m.put("protocol", Symbols.protocolName(x.protocol()));
            m.put("dport", x.dport());
            m.put("timeout", x.timeoutMillis());
            m.put("size", x.size());
            m.put("l3proto", x.l3proto().keyword());
            return Map.of("ct expectation", m);
        }
        throw new IllegalArgumentException("no nft JSON for table object " + TableObject.text(o));
    }

    private static Object match(Match m) {
        Selector sel = m.selector();
        ValueKind kind = sel.kind();
        Object left = field(sel);
        String op;
        if (m.mask().isPresent()) {
            left = Map.of("&", List.of(left, m.mask().getAsLong()));
            op = m.op() == Op.IMPLICIT ? "==" : m.op().symbol();
        } else if (m.op() == Op.IMPLICIT) {
            // a flag test (ct state new,related; ct label 3) is "in"; any other implicit match is equality
            boolean flagTest = (kind.isBitmask() && m.value() instanceof Operand.Flags) || sel == Selector.CT_LABEL;
            op = flagTest ? "in" : "==";
        } else {
            op = m.op().symbol();
        }
        Map<String, Object> mm = new LinkedHashMap<>();
        mm.put("op", op);
        mm.put("left", left);
        mm.put("right", value(kind, m.value()));
        return Map.of("match", mm);
    }

    /** The JSON expression of the field a selector reads. */
    private static Object field(Selector sel) {
        switch (sel) {
            case IIFNAME: return meta("iifname");
            case OIFNAME: return meta("oifname");
            case IIF: return meta("iif");
            case OIF: return meta("oif");
            case META_L4PROTO: return meta("l4proto");
            case META_NFPROTO: return meta("nfproto");
            case META_MARK: return meta("mark");
            case IP_PROTOCOL: return payload("ip", "protocol");
            case IP_SADDR: return payload("ip", "saddr");
            case IP_DADDR: return payload("ip", "daddr");
            case IP6_NEXTHDR: return payload("ip6", "nexthdr");
            case IP6_SADDR: return payload("ip6", "saddr");
            case IP6_DADDR: return payload("ip6", "daddr");
            case TCP_SPORT: return payload("tcp", "sport");
            case TCP_DPORT: return payload("tcp", "dport");
            case UDP_SPORT: return payload("udp", "sport");
            case UDP_DPORT: return payload("udp", "dport");
            case ETHER_SADDR: return payload("ether", "saddr");
            case ETHER_DADDR: return payload("ether", "daddr");
            case CT_STATE: return ct("state", -1);
            case CT_DIRECTION: return ct("direction", -1);
            case CT_STATUS: return ct("status", -1);
            case CT_MARK: return ct("mark", -1);
            case CT_ZONE: return ct("zone", -1);
            case CT_ORIGINAL_ZONE: return ct("zone", 0);
            case CT_REPLY_ZONE: return ct("zone", 1);
            case CT_LABEL: return ct("label", -1);
            default: throw new IllegalArgumentException("no nft JSON for the selector " + sel.keyword());
        }
    }

    private static Object meta(String key) {
        return Map.of("meta", Map.of("key", key));
    }

    private static Object payload(String protocol, String field) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", protocol);
        m.put("field", field);
        return Map.of("payload", m);
    }

    /** A conntrack key, with {@code dir} 0 original, 1 reply, -1 none. */
    private static Object ct(String key, int dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        if (dir >= 0) {
            m.put("dir", dir == 0 ? "original" : "reply");
        }
        return Map.of("ct", m);
    }

    /** The right-hand side of a match, or a NAT address or port, as a value of {@code kind}. */
    private static Object value(ValueKind kind, Operand v) {
        if (v instanceof Operand.SetOf s) {
            List<Object> out = new ArrayList<>();
            for (Operand e : s.elements()) {
                out.add(value(kind, e));
            }
            return Map.of("set", out);
        }
        if (v instanceof Operand.Range r) {
            ValueKind ends = kind == ValueKind.PROTOCOL ? ValueKind.PORT : kind; // nft prints protocol ranges as numbers
            return Map.of("range", List.of(value(ends, r.low()), value(ends, r.high())));
        }
        if (v instanceof IpAddress a) {
            return a.isHost() ? a.addressText() : prefix(a);
        }
        if (v instanceof Operand.IfName n) {
            String quoted = n.toString();
            return quoted.substring(1, quoted.length() - 1); // the name as listed, a literal star kept escaped
        }
        if (v instanceof Operand.Flags f) {
            return names(kind, f.bits());
        }
        if (v instanceof Operand.Num n) {
            switch (kind) {
                case PORT:
                case CT_MARK:
                case META_MARK:
                case CT_ZONE:
                case CT_LABEL:
                case IFINDEX:
                    return n.value();
                case CT_STATE:
                case CT_STATUS:
                    return names(kind, n.value());
                default:
                    String text = kind.format(n);
                    return text.chars().allMatch(Character::isDigit) ? (Object) n.value() : text;
            }
        }
        throw new IllegalArgumentException("no nft JSON for the value " + v);
    }

    /** Flag names: one name alone, several as an array, in bit order. */
    private static Object names(ValueKind kind, long bits) {
        String[] names = Symbols.flagNames(kind, bits, ",").split(",");
        return names.length == 1 ? names[0] : List.of(names);
    }

    private static Object statement(Statement s) {
        if (s instanceof VerdictStatement v) {
            return Map.of(v.kind().keyword(), v.target().<Object>map(t -> Map.of("target", t)).orElse(NULL));
        }
        if (s instanceof CounterStatement c) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("packets", new BigInteger(Long.toUnsignedString(c.packets())));
            m.put("bytes", new BigInteger(Long.toUnsignedString(c.bytes())));
            return Map.of("counter", m);
        }
        if (s instanceof LogStatement l) {
            Map<String, Object> m = new LinkedHashMap<>();
            l.prefix().ifPresent(p -> m.put("prefix", p));
            l.group().ifPresent(g -> m.put("group", g));
            if (l.level() != LogStatement.Level.WARN) {
                m.put("level", l.level().keyword());
            }
            return Map.of("log", m.isEmpty() ? NULL : m);
        }
        if (s instanceof NotrackStatement) {
            return Map.of("notrack", NULL);
        }
        if (s instanceof RejectStatement) {
            return Map.of("reject", Map.of("type", "tcp reset"));
        }
        if (s instanceof CtHelperSetStatement h) {
            return Map.of("ct helper", h.helper());
        }
        if (s instanceof CtObjectSetStatement o) {
            return Map.of("ct " + o.kind().keyword(), o.object());
        }
        if (s instanceof CtMarkSetStatement c) {
            return mangle(ct("mark", -1), c.mark());
        }
        if (s instanceof MetaMarkSetStatement c) {
            return mangle(meta("mark"), c.mark());
        }
        if (s instanceof CtLabelSetStatement c) {
            return mangle(ct("label", -1), (long) c.bit());
        }
        if (s instanceof CtZoneSetStatement c) {
            return mangle(ct("zone", c.direction()), (long) c.zone());
        }
        if (s instanceof MarkCopyStatement c) {
            return c.toConnection() ? mangle(ct("mark", -1), meta("mark")) : mangle(meta("mark"), ct("mark", -1));
        }
        if (s instanceof ConnLimitStatement c) {
            return connLimit(c.limit());
        }
        if (s instanceof SetUpdateStatement u) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", u.update() ? "update" : "add");
            m.put("elem", field(u.key()));
            m.put("set", "@" + u.set());
            u.limit().ifPresent(l -> m.put("stmt", List.of(connLimit(l))));
            return Map.of("set", m);
        }
        if (s instanceof NatStatement n) {
            return nat(n);
        }
        throw new IllegalArgumentException("no nft JSON for the statement " + s);
    }

    private static Object mangle(Object key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("value", value);
        return Map.of("mangle", m);
    }

    private static Object connLimit(ConnLimit l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("val", l.count());
        if (l.over()) {
            m.put("inv", true);
        }
        return Map.of("ct count", m);
    }

    /** {@code {"prefix": {"addr": A, "len": N}}}, also for a /32 or /128. */
    private static Object prefix(IpAddress a) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("addr", a.addressText());
        p.put("len", a.prefixLength());
        return Map.of("prefix", p);
    }

    private static Object nat(NatStatement n) {
        Map<String, Object> m = new LinkedHashMap<>();
        n.family().ifPresent(f -> m.put("family", f.keyword()));
        // the address and ports have no field of their own: values of the address kind, of ports
        // nft lists an address range that is exactly a prefix as the prefix (a one-address range as /32)
        n.address().ifPresent(a -> m.put("addr", n.listedPrefix().<Object>map(NftJson::prefix)
            .orElseGet(() -> value(ValueKind.IPV4_ADDR, a))));
        n.ports().ifPresent(p -> m.put("port", value(ValueKind.PORT, p)));
        List<String> flags = new ArrayList<>();
        for (NatStatement.Flag f : NatStatement.Flag.values()) {
            if (n.flags().contains(f)) {
                flags.add(f.keyword());
            }
        }
        if (!flags.isEmpty()) {
            m.put("flags", flags.size() == 1 ? flags.get(0) : flags);
        }
        return Map.of(n.kind().keyword(), m.isEmpty() ? NULL : m);
    }

    /** JSON null as a value of the tree (Map.of takes no null). */
    private static final Object NULL = new Object();

    /** Writes a tree of maps, lists, strings, numbers, booleans and {@link #NULL}, as nft does: {@code ", "}, {@code ": "}. */
    private static void write(StringBuilder sb, Object v) {
        if (v == NULL) {
            sb.append("null");
        } else if (v instanceof String s) {
            CtJson.string(sb, s);
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ", ");
                CtJson.string(sb, (String) e.getKey());
                sb.append(": ");
                write(sb, e.getValue());
                first = false;
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ");
                write(sb, l.get(i));
            }
            sb.append(']');
        } else {
            throw new IllegalStateException("not a JSON value: " + v);
        }
    }
}
