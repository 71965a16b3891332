package org.conntrack4j.rules.nft;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Canonical form of anonymous sets, as nft keeps them: elements sorted by value, duplicates dropped, and when the set
 * holds a range or prefix (nft then makes it an interval set) overlapping and adjacent intervals merged, IP intervals
 * printed as prefixes where they align. A set that ends up with one element is that element (nft would still print
 * braces around a merged single interval; dropping them keeps print-and-reparse exact).
 */
final class SetCanon {
    private SetCanon() {
    }

    static Operand canonical(ValueKind kind, List<Operand> raw) {
        if (raw.size() == 1) {
            return raw.get(0);
        }
        List<Operand> out;
        if (kind == ValueKind.IFNAME || kind == ValueKind.IFINDEX) {
            TreeSet<Operand> sorted = new TreeSet<>(Comparator.comparing(SetCanon::ifKey));
            sorted.addAll(raw);
            out = new ArrayList<>(sorted);
        } else {
            boolean intervals = false;
            for (Operand o : raw) {
                if (o instanceof Operand.Range || (o instanceof IpAddress a && !a.isHost())) {
                    intervals = true;
                    break;
                }
            }
            out = intervals ? mergeIntervals(raw) : sortUnique(raw);
        }
        return out.size() == 1 ? out.get(0) : new Operand.SetOf(out);
    }

    private static String ifKey(Operand o) {
        if (o instanceof Operand.Num n) {
            return String.format("0%020d", n.value());
        }
        Operand.IfName f = (Operand.IfName) o;
        return "1" + f.name() + (f.wildcard() ? "\u0001" : "\u0000");
    }

    private static BigInteger low(Operand o) {
        if (o instanceof Operand.Num n) {
            return BigInteger.valueOf(n.value());
        }
        if (o instanceof IpAddress a) {
            return a.toBigInteger();
        }
        return low(((Operand.Range) o).low());
    }

    private static BigInteger high(Operand o) {
        if (o instanceof Operand.Num n) {
            return BigInteger.valueOf(n.value());
        }
        if (o instanceof IpAddress a) {
            return a.lastAddress().toBigInteger();
        }
        return high(((Operand.Range) o).high());
    }

    private static List<Operand> sortUnique(List<Operand> raw) {
        LinkedHashSet<Operand> unique = new LinkedHashSet<>(raw);
        List<Operand> out = new ArrayList<>(unique);
        out.sort(Comparator.comparing(SetCanon::low));
        return out;
    }

    private static List<Operand> mergeIntervals(List<Operand> raw) {
        boolean addresses = !(raw.get(0) instanceof Operand.Num
                || raw.get(0) instanceof Operand.Range r && r.low() instanceof Operand.Num);
        boolean v6 = false;
        if (addresses) {
            Operand first = raw.get(0);
            IpAddress a = first instanceof IpAddress ip ? ip : (IpAddress) ((Operand.Range) first).low();
            v6 = a.isIpv6();
        }
        List<BigInteger[]> iv = new ArrayList<>();
        for (Operand o : raw) {
            iv.add(new BigInteger[] {low(o), high(o)});
        }
        iv.sort((x, y) -> x[0].compareTo(y[0]));
        List<BigInteger[]> merged = new ArrayList<>();
        for (BigInteger[] cur : iv) {
            if (!merged.isEmpty()) {
                BigInteger[] last = merged.get(merged.size() - 1);
                if (cur[0].compareTo(last[1].add(BigInteger.ONE)) <= 0) {
                    if (cur[1].compareTo(last[1]) > 0) {
                        last[1] = cur[1];
                    }
                    continue;
                }
            }
            merged.add(new BigInteger[] {cur[0], cur[1]});
        }
        List<Operand> out = new ArrayList<>();
        for (BigInteger[] m : merged) {
            out.add(addresses ? addressInterval(m[0], m[1], v6) : numInterval(m[0], m[1]));
        }
        return out;
    }

    private static Operand numInterval(BigInteger lo, BigInteger hi) {
        if (lo.equals(hi)) {
            return new Operand.Num(lo.longValue());
        }
        return new Operand.Range(new Operand.Num(lo.longValue()), new Operand.Num(hi.longValue()));
    }

    /** The host range {@code lo-hi} as nft lists it: the prefix it is exactly, else the range. */
    static Operand addressInterval(IpAddress lo, IpAddress hi) {
        return addressInterval(lo.toBigInteger(), hi.toBigInteger(), lo.isIpv6());
    }

    private static Operand addressInterval(BigInteger lo, BigInteger hi, boolean v6) {
        IpAddress l = IpAddress.fromBigInteger(lo, v6);
        if (lo.equals(hi)) {
            return l;
        }
        BigInteger size = hi.subtract(lo).add(BigInteger.ONE);
        if (size.bitCount() == 1) {
            int hostBits = size.bitLength() - 1;
            if (lo.getLowestSetBit() >= hostBits || lo.signum() == 0) {
                return IpAddress.of(l.bytes(), l.bitLength() - hostBits);
            }
        }
        return new Operand.Range(l, IpAddress.fromBigInteger(hi, v6));
    }
}
