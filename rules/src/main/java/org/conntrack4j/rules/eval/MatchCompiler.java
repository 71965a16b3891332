package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.rules.nft.IpAddress;
import org.conntrack4j.rules.nft.Match;
import org.conntrack4j.rules.nft.Op;
import org.conntrack4j.rules.nft.Operand;
import org.conntrack4j.rules.nft.Selector;

/**
 * Turns a parsed {@link Match} into an evaluator, with nft's semantics (checked against nft 1.0.6
 * {@code --debug=netlink} output):
 * <ul>
 * <li>a value, range, prefix or set: membership ({@code cmp eq}, {@code range}, {@code lookup}); {@code !=}: not a
 * member; {@code < > <= >=}: the interval below or above the value, in unsigned numeric order (nft compares in
 * network byte order, converting host-order fields such as the ct mark first);</li>
 * <li>{@code ct state}/{@code ct status} flags: any bit without operator, the whole value with {@code ==} and
 * {@code !=}; a set of flags: membership of the whole value;</li>
 * <li>fields nft cannot load end the rule whatever the operator ({@code NFT_BREAK}): {@code ct direction} without
 * a connection, {@code tcp dport} on a non-first fragment, {@code ip saddr} on an IPv6 packet.</li>
 * </ul>
 */
final class MatchCompiler {
    private MatchCompiler() {
    }

    static Expr compile(Match m) {
        Selector sel = m.selector();
        Op op = m.op();
        Operand v = m.value();
        if (m.mask().isPresent()) {
            return numeric(Field.masked(field(sel), m.mask().getAsLong()), op, v);
        }
        switch (sel) {
            case CT_LABEL:
                return new LabelMatch(((Operand.Num) v).intValue(), op);
            case IIFNAME:
            case OIFNAME:
            case IIF:
            case OIF:
                return iface(sel == Selector.OIFNAME || sel == Selector.OIF, op, v);
            case CT_STATE:
            case CT_STATUS:
                if (!(v instanceof Operand.SetOf)) {
                    return flags(sel == Selector.CT_STATE ? Field.CT_STATE : Field.CT_STATUS, op, v);
                }
                return numeric(sel == Selector.CT_STATE ? Field.CT_STATE : Field.CT_STATUS, op, v);
            case IP6_SADDR:
                return ip6(8, op, v);
            case IP6_DADDR:
                return ip6(24, op, v);
            default:
                return numeric(field(sel), op, v);
        }
    }

    private static Field field(Selector sel) {
        switch (sel) {
            case META_L4PROTO:
                return Field.L4PROTO;
            case META_NFPROTO:
                return Field.NFPROTO;
            case IP_PROTOCOL:
                return Field.network8("ip protocol", Family.IPV4, 9);
            case IP6_NEXTHDR:
                return Field.network8("ip6 nexthdr", Family.IPV6, 6);
            case IP_SADDR:
                return Field.network32("ip saddr", 12);
            case IP_DADDR:
                return Field.network32("ip daddr", 16);
            case TCP_SPORT:
                return Field.transport16("tcp sport", 6, 0);
            case TCP_DPORT:
                return Field.transport16("tcp dport", 6, 2);
            case UDP_SPORT:
                return Field.transport16("udp sport", 17, 0);
            case UDP_DPORT:
                return Field.transport16("udp dport", 17, 2);
            case CT_DIRECTION:
                return Field.CT_DIRECTION;
            case CT_MARK:
                return Field.CT_MARK;
            case META_MARK:
                return Field.META_MARK;
            case CT_ZONE:
                return Field.ctZone(-1);
            case CT_ORIGINAL_ZONE:
                return Field.ctZone(0);
            case CT_REPLY_ZONE:
                return Field.ctZone(1);
            case ETHER_SADDR:
                return Field.ether("ether saddr", 6);
            case ETHER_DADDR:
                return Field.ether("ether daddr", 0);
            default:
                throw new IllegalArgumentException("no numeric field for " + sel);
        }
    }

    private static Expr flags(Field f, Op op, Operand v) {
        long bits = v instanceof Operand.Flags fl ? fl.bits() : ((Operand.Num) v).value();
        FlagMatch.Mode mode = op == Op.EQ ? FlagMatch.Mode.EQUAL : op == Op.NE ? FlagMatch.Mode.NOT_EQUAL
            : FlagMatch.Mode.ANY_BIT;
        return new FlagMatch(f, bits, mode);
    }

    // ---- numbers up to 32 bits ------------------------------------------------------------------------------

    private static Expr numeric(Field f, Op op, Operand v) {
        List<long[]> iv = new ArrayList<>();
        if (op.isRelational()) {
            long x = single(v);
            switch (op) {
                case LT:
                    if (x > 0) {
                        iv.add(new long[] {0, x - 1});
                    }
                    break;
                case LE:
                    iv.add(new long[] {0, x});
                    break;
                case GT:
                    iv.add(new long[] {x + 1, Long.MAX_VALUE});
                    break;
                default:
                    iv.add(new long[] {x, Long.MAX_VALUE});
                    break;
            }
        } else if (v instanceof Operand.SetOf s) {
            for (Operand e : s.elements()) {
                iv.add(interval(e));
            }
        } else {
            iv.add(interval(v));
        }
        iv.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] cur : iv) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && cur[0] <= last[1]) {
                last[1] = Math.max(last[1], cur[1]);
            } else {
                merged.add(cur.clone());
            }
        }
        long[] lo = new long[merged.size()];
        long[] hi = new long[merged.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = merged.get(i)[0];
            hi[i] = merged.get(i)[1];
        }
        return new IntervalMatch(f, lo, hi, op == Op.NE);
    }

    private static long single(Operand v) {
        if (v instanceof Operand.Num n) {
            return n.value();
        }
        if (v instanceof IpAddress a && !a.isIpv6()) {
            return v4(a);
        }
        throw new IllegalArgumentException("relational operator needs one value, not " + v);
    }

    private static long[] interval(Operand v) {
        if (v instanceof Operand.Num n) {
            return new long[] {n.value(), n.value()};
        }
        if (v instanceof Operand.Flags fl) {
            return new long[] {fl.bits(), fl.bits()};
        }
        if (v instanceof IpAddress a && !a.isIpv6()) {
            return new long[] {v4(a.firstAddress()), v4(a.lastAddress())};
        }
        if (v instanceof Operand.Range r) {
            return new long[] {interval(r.low())[0], interval(r.high())[1]};
        }
        throw new IllegalArgumentException("not a number, range or IPv4 address: " + v);
    }

    static long v4(IpAddress a) {
        byte[] b = a.bytes();
        return (b[0] & 0xffL) << 24 | (b[1] & 0xffL) << 16 | (b[2] & 0xffL) << 8 | (b[3] & 0xffL);
    }

    // ---- IPv6 addresses ---------------------------------------------------------------------------------------

    static long[] v6(IpAddress a) {
        byte[] b = a.bytes();
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (b[i] & 0xffL);
            l = l << 8 | (b[i + 8] & 0xffL);
        }
        return new long[] {h, l};
    }

    private static Expr ip6(int offset, Op op, Operand v) {
        List<long[]> iv = new ArrayList<>(); // {loHi, loLo, hiHi, hiLo}
        if (op.isRelational()) {
            long[] x = v6((IpAddress) v);
            long[] zero = {0, 0};
            long[] max = {-1L, -1L};
            switch (op) {
                case LT:
                    if (x[0] != 0 || x[1] != 0) {
                        iv.add(new long[] {0, 0, x[1] == 0 ? x[0] - 1 : x[0], x[1] - 1});
                    }
                    break;
                case LE:
                    iv.add(new long[] {zero[0], zero[1], x[0], x[1]});
                    break;
                case GT:
                    if (x[0] != -1L || x[1] != -1L) {
                        iv.add(new long[] {x[1] == -1L ? x[0] + 1 : x[0], x[1] + 1, max[0], max[1]});
                    }
                    break;
                default:
                    iv.add(new long[] {x[0], x[1], max[0], max[1]});
                    break;
            }
        } else if (v instanceof Operand.SetOf s) {
            for (Operand e : s.elements()) {
                iv.add(interval6(e));
            }
        } else {
            iv.add(interval6(v));
        }
        iv.sort((a, b) -> Ip6Match.compare(a[0], a[1], b[0], b[1]));
        List<long[]> merged = new ArrayList<>();
        for (long[] cur : iv) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && Ip6Match.compare(cur[0], cur[1], last[2], last[3]) <= 0) {
                if (Ip6Match.compare(cur[2], cur[3], last[2], last[3]) > 0) {
                    last[2] = cur[2];
                    last[3] = cur[3];
                }
            } else {
                merged.add(cur.clone());
            }
        }
        int n = merged.size();
        long[] loHi = new long[n];
        long[] loLo = new long[n];
        long[] hiHi = new long[n];
        long[] hiLo = new long[n];
        for (int i = 0; i < n; i++) {
            long[] m = merged.get(i);
            loHi[i] = m[0];
            loLo[i] = m[1];
            hiHi[i] = m[2];
            hiLo[i] = m[3];
        }
        return new Ip6Match(offset, loHi, loLo, hiHi, hiLo, op == Op.NE);
    }

    private static long[] interval6(Operand v) {
        if (v instanceof IpAddress a && a.isIpv6()) {
            long[] lo = v6(a.firstAddress());
            long[] hi = v6(a.lastAddress());
            return new long[] {lo[0], lo[1], hi[0], hi[1]};
        }
        if (v instanceof Operand.Range r) {
            long[] lo = v6((IpAddress) r.low());
            long[] hi = v6((IpAddress) r.high());
            return new long[] {lo[0], lo[1], hi[0], hi[1]};
        }
        throw new IllegalArgumentException("not an IPv6 address, prefix or range: " + v);
    }

    // ---- interfaces -------------------------------------------------------------------------------------------

    private static Expr iface(boolean out, Op op, Operand v) {
        List<String> names = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        List<Long> indexes = new ArrayList<>();
        List<Operand> elements = v instanceof Operand.SetOf s ? s.elements() : List.of(v);
        for (Operand e : elements) {
            if (e instanceof Operand.IfName n) {
                (n.wildcard() ? prefixes : names).add(n.name());
            } else if (e instanceof Operand.Num n) {
                indexes.add(n.value());
            } else {
                throw new IllegalArgumentException("not an interface: " + e);
            }
        }
        long[] idx = new long[indexes.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = indexes.get(i);
        }
        return new IfaceMatch(out, names.toArray(new String[0]), prefixes.toArray(new String[0]), idx, op == Op.NE);
    }
}
