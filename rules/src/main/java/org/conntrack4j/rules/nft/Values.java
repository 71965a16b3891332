package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;
import org.conntrack4j.rules.nft.Syntax.Bracketed;
import org.conntrack4j.rules.nft.Syntax.FlagList;
import org.conntrack4j.rules.nft.Syntax.Phrase;
import org.conntrack4j.rules.nft.Syntax.SetNode;
import org.conntrack4j.rules.nft.Syntax.Single;
import org.conntrack4j.rules.nft.Syntax.Value;
import org.conntrack4j.rules.nft.Syntax.Words;

/**
 * Resolves values as written against the type of what they are compared with, for {@link Evaluator}: numbers,
 * service and protocol names, ranges, addresses and prefixes, interface names, flags, sets and NAT targets. This is
 * nft's symbol resolution in evaluate.c: "22" is a port for {@code tcp dport} and a protocol number for
 * {@code meta l4proto}. Errors point at the character where the value goes wrong.
 */
final class Values {

    /** The parts of a NAT target ({@code to ADDR[-ADDR][:PORT[-PORT]]}) and where each was written. */
    record NatTarget(Optional<Operand> address, Optional<Operand> ports, SourcePos addressPos, SourcePos portPos) {
    }

    private final String source;

    Values(String source) {
        this.source = source;
    }

    private RulesetParseException err(Token t, String msg) {
        return new RulesetParseException(source, t.line(), t.column(), msg);
    }

    private static RulesetParseException err(SourcePos p, String msg) {
        return new RulesetParseException(p, msg);
    }

    /** The operand of a match on {@code sel}; a set is made canonical (sorted, merged) as nft keeps it. */
    Operand resolve(Selector sel, Value value) throws RulesetParseException {
        if (value instanceof SetNode set) {
            List<Operand> raw = new ArrayList<>(set.elements().size());
            for (Value e : set.elements()) {
                raw.add(element(sel, e));
            }
            return SetCanon.canonical(sel.kind(), raw);
        }
        if (value instanceof FlagList list) {
            long bits = 0;
            for (Token f : list.flags()) {
                bits |= flag(sel, f);
            }
            return new Operand.Flags(bits);
        }
        return element(sel, value);
    }

    private Operand element(Selector sel, Value value) throws RulesetParseException {
        ValueKind kind = sel.kind();
        if (value instanceof Bracketed b) {
            return host(b.phrase(), 0, b.phrase().length(), true);
        }
        if (value instanceof Words w) {
            Phrase ph = w.phrase();
            if (kind == ValueKind.IPV4_ADDR || kind == ValueKind.IPV6_ADDR) {
                return address(ph, 0, ph.length(), kind == ValueKind.IPV6_ADDR);
            }
            if (kind == ValueKind.ETHER_ADDR) {
                return ether(ph);
            }
            return numeric(kind, ph, 0, ph.length());
        }
        Token v = ((Single) value).token();
        switch (kind) {
            case IFNAME:
            case IFINDEX:
                return iface(sel, v);
            case NFPROTO:
                if (v.text().equals("ipv4") || v.text().equals("2")) {
                    return new Operand.Num(2);
                }
                if (v.text().equals("ipv6") || v.text().equals("10")) {
                    return new Operand.Num(10);
                }
                throw err(v, "unknown meta nfproto \"" + Lexer.abbreviate(v.text()) + "\" (known: ipv4, ipv6)");
            case CT_DIRECTION:
                switch (v.text()) {
                    case "original":
                    case "0":
                        return new Operand.Num(0);
                    case "reply":
                    case "1":
                        return new Operand.Num(1);
                    default:
                        throw err(v, "unknown ct direction \"" + Lexer.abbreviate(v.text())
                                + "\" (known: original, reply)");
                }
            default: // one flag of a ct state / ct status set
                return new Operand.Num(flag(sel, v));
        }
    }

    private long flag(Selector sel, Token v) throws RulesetParseException {
        long bit = Symbols.flagValue(sel.kind(), v.text());
        if (bit >= 0) {
            return bit;
        }
        long n = Numbers.parse(v.text());
        if (n >= 0 && n <= 0xffffffffL) {
            return n;
        }
        if (n == Numbers.TOO_BIG || n > 0xffffffffL) {
            throw err(v, sel.keyword() + " value " + Lexer.abbreviate(v.text()) + " out of range (32 bits)");
        }
        throw err(v, "unknown " + sel.keyword() + " \"" + Lexer.abbreviate(v.text()) + "\" (known: "
                + Symbols.flagNameList(sel.kind()) + ")");
    }

    private Operand iface(Selector sel, Token v) throws RulesetParseException {
        String s = v.text();
        if (v.kind() == Kind.WORD) {
            if (sel.kind() == ValueKind.IFINDEX && Numbers.parse(s) >= 0) {
                long idx = Numbers.parse(s);
                if (idx == 0 || idx > 0xffffffffL) {
                    throw err(v, "interface index " + s + " out of range (1-4294967295)");
                }
                return new Operand.Num(idx);
            }
            char c0 = s.charAt(0);
            if (!(Character.isLetter(c0) || c0 == '_' || c0 == '.')) {
                throw err(v, "unquoted interface name \"" + Lexer.abbreviate(s) + "\" must start with a letter, '_'"
                        + " or '.' (quote the name)");
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ':' || c == '+' || (c == '*' && i != s.length() - 1)) {
                    throw err(v, "invalid character '" + c + "' in unquoted interface name \"" + Lexer.abbreviate(s)
                            + "\" (quote the name)");
                }
            }
        }
        if (s.isEmpty()) {
            throw err(v, "empty interface name");
        }
        boolean wildcard = false;
        String name = s;
        if (s.endsWith("\\*")) {
            name = s.substring(0, s.length() - 2) + "*";
        } else if (s.endsWith("*")) {
            wildcard = true;
            name = s.substring(0, s.length() - 1);
            if (name.isEmpty()) {
                throw err(v, "a lone \"*\" wildcard is not supported (nft: all-wildcard strings are not supported)");
            }
        }
        if (SourceText.byteLength(name) > 15) {
            throw err(v, "interface name \"" + Lexer.abbreviate(name) + "\" longer than 15 bytes");
        }
        if (sel.kind() == ValueKind.IFINDEX && wildcard) {
            throw err(v, "wildcards are only supported with iifname/oifname, not " + sel.keyword());
        }
        return new Operand.IfName(name, wildcard);
    }

    // ------------------------------------------------------------------------------------------------ numbers

    /** A number, name or range {@code lo-hi} of ports, protocols or marks within {@code ph[from, to)}. */
    Operand numeric(ValueKind kind, Phrase ph, int from, int to) throws RulesetParseException {
        String s = ph.sub(from, to);
        if (symbolValue(kind, s) >= 0) {
            return new Operand.Num(symbolValue(kind, s));
        }
        for (int i = 1; i < s.length() - 1; i++) {
            if (s.charAt(i) != '-') {
                continue;
            }
            // nft reads a name such as "ftp-data" as one word, so only a number can start a range
            String left = s.substring(0, i);
            if (Numbers.parse(left) < 0 && Numbers.parse(left) != Numbers.TOO_BIG) {
                continue;
            }
            long low = number(kind, ph, from, from + i);
            long high = number(kind, ph, from + i + 1, to);
            if (low > high) {
                throw err(ph.posAt(from), "range " + s + " has zero or negative size (the low end exceeds the"
                        + " high end)");
            }
            return new Operand.Range(new Operand.Num(low), new Operand.Num(high));
        }
        return new Operand.Num(number(kind, ph, from, to));
    }

    private static long maxValue(ValueKind kind) {
        switch (kind) {
            case PORT:
                return 65535;
            case PROTOCOL:
                return 255;
            case CT_ZONE:
                return 65535;
            default:
                return 0xffffffffL;
        }
    }

    /** Value of a service or protocol name, or -1. */
    private static long symbolValue(ValueKind kind, String s) {
        if (kind == ValueKind.PORT) {
            return Symbols.servicePort(s);
        }
        if (kind == ValueKind.PROTOCOL) {
            return Symbols.protocolNumber(s);
        }
        return -1;
    }

    /** One port, protocol or mark (a number or a name) within {@code ph[from, to)}. */
    long number(ValueKind kind, Phrase ph, int from, int to) throws RulesetParseException {
        String s = ph.sub(from, to);
        SourcePos at = ph.posAt(from);
        long sym = symbolValue(kind, s);
        if (sym >= 0) {
            return sym;
        }
        long v = Numbers.parse(s);
        String what = kind == ValueKind.PORT ? "port" : kind == ValueKind.PROTOCOL ? "protocol number"
                : kind == ValueKind.CT_ZONE ? "zone" : kind == ValueKind.META_MARK ? "mark" : "ct mark";
        if (v == Numbers.LEADING_ZERO) {
            throw err(at, "number \"" + s + "\" has a leading zero (nft would read it as octal); write it without");
        }
        if (v == Numbers.TOO_BIG || v > maxValue(kind)) {
            throw err(at, what + " " + Lexer.abbreviate(s) + " out of range (0-" + (kind == ValueKind.CT_MARK
                    || kind == ValueKind.META_MARK ? "0xffffffff" : Long.toString(maxValue(kind))) + ")");
        }
        if (v < 0) {
            if (s.isEmpty()) {
                throw err(at, "missing " + what);
            }
            if (kind == ValueKind.PORT) {
                throw err(at, "unknown service \"" + Lexer.abbreviate(s) + "\" (use a port number 0-65535)");
            }
            if (kind == ValueKind.PROTOCOL) {
                throw err(at, "unknown protocol \"" + Lexer.abbreviate(s) + "\" (use a name such as tcp, udp, icmp,"
                        + " or a number 0-255)");
            }
            throw err(at, "invalid " + what + " \"" + Lexer.abbreviate(s) + "\" (a number, decimal or 0x hex)");
        }
        return v;
    }

    /**
     * A connection label: its bit number, 0-127 ({@code ct_label_type_parse}). nft also takes a name from
     * {@code connlabel.conf}; the subset reads no such file, so a name is an error.
     */
    int label(Phrase ph) throws RulesetParseException {
        String s = ph.text();
        SourcePos at = ph.posAt(0);
        long n = Numbers.parse(s);
        if (n == Numbers.BAD || n == Numbers.LEADING_ZERO) {
            throw err(at, "could not parse conntrack label \"" + Lexer.abbreviate(s) + "\" (write the label's bit"
                    + " number, 0-127: names from connlabel.conf are not supported)");
        }
        if (n == Numbers.TOO_BIG || n >= 128) {
            throw err(at, "conntrack label bit " + Lexer.abbreviate(s) + " out of range (128 max)");
        }
        return (int) n;
    }

    /** An Ethernet address {@code 02:00:00:00:01:02} (six hex bytes) as a 48-bit number. */
    private Operand ether(Phrase ph) throws RulesetParseException {
        String s = ph.text();
        String[] parts = s.split(":", -1);
        long v = 0;
        boolean ok = parts.length == 6;
        for (int i = 0; ok && i < 6; i++) {
            String p = parts[i];
            ok = !p.isEmpty() && p.length() <= 2 && p.chars().allMatch(c -> Character.digit(c, 16) >= 0);
            if (ok) {
                v = v << 8 | Integer.parseInt(p, 16);
            }
        }
        if (!ok) {
            throw err(ph.posAt(0), "invalid Ethernet address \"" + Lexer.abbreviate(s)
                    + "\" (six hex bytes such as 02:00:00:00:01:02)");
        }
        return new Operand.Num(v);
    }

    // ------------------------------------------------------------------------------------------------ addresses

    /** Host, prefix ({@code a/len}) or range ({@code a-b}) within {@code ph[from, to)}. */
    private Operand address(Phrase ph, int from, int to, boolean v6) throws RulesetParseException {
        String s = ph.sub(from, to);
        int slash = s.indexOf('/');
        if (slash >= 0) {
            if (s.indexOf('-') >= 0) {
                throw err(ph.posAt(from), "invalid address \"" + Lexer.abbreviate(s)
                        + "\" (a prefix cannot be part of a range)");
            }
            IpAddress host = host(ph, from, from + slash, v6);
            String len = s.substring(slash + 1);
            long n = Numbers.parse(len);
            int bits = v6 ? 128 : 32;
            if (len.startsWith("0x") || n == Numbers.LEADING_ZERO || (n < 0 && n != Numbers.TOO_BIG)) {
                throw err(ph.posAt(from + slash + 1), "invalid prefix length \"" + Lexer.abbreviate(len) + "\"");
            }
            if (n == Numbers.TOO_BIG || n > bits) {
                throw err(ph.posAt(from + slash + 1), "prefix length " + Lexer.abbreviate(len)
                        + " is out of range for an " + (v6 ? "IPv6" : "IPv4") + " address (0-" + bits + ")");
            }
            return IpAddress.of(host.bytes(), (int) n);
        }
        int dash = s.indexOf('-');
        if (dash >= 0) {
            if (s.indexOf('-', dash + 1) >= 0) {
                throw err(ph.posAt(from), "invalid address range \"" + Lexer.abbreviate(s) + "\"");
            }
            IpAddress lo = host(ph, from, from + dash, v6);
            IpAddress hi = host(ph, from + dash + 1, to, v6);
            if (lo.compareTo(hi) > 0) {
                throw err(ph.posAt(from), "range " + s + " has zero or negative size (the low end exceeds the"
                        + " high end)");
            }
            return new Operand.Range(lo, hi);
        }
        return host(ph, from, to, v6);
    }

    private IpAddress host(Phrase ph, int from, int to, boolean v6) throws RulesetParseException {
        String s = ph.sub(from, to);
        SourcePos at = ph.posAt(from);
        if (s.isEmpty()) {
            throw err(at, "missing " + (v6 ? "IPv6" : "IPv4") + " address");
        }
        byte[] b = v6 ? InetText.parseIpv6(s) : InetText.parseIpv4(s);
        if (b != null) {
            return IpAddress.host(b);
        }
        String shown = Lexer.abbreviate(s);
        if (!v6 && InetText.hasLeadingZeroOctet(s)) {
            throw err(at, "IPv4 address \"" + shown + "\" has a leading zero (nft would read it as octal)");
        }
        if (!v6 && InetText.parseIpv6(s) != null) {
            throw err(at, "expected an IPv4 address, found IPv6 address \"" + shown + "\"");
        }
        if (v6 && InetText.parseIpv4(s) != null) {
            throw err(at, "expected an IPv6 address, found IPv4 address \"" + shown + "\"");
        }
        if (Character.isLetter(s.charAt(0)) && s.indexOf(':') < 0) {
            throw err(at, "hostnames are not supported (\"" + shown + "\"): write an " + (v6 ? "IPv6" : "IPv4")
                    + " address");
        }
        throw err(at, "invalid " + (v6 ? "IPv6" : "IPv4") + " address \"" + shown + "\"");
    }

    // ------------------------------------------------------------------------------------------------ NAT

    /**
     * Splits a NAT target into address and ports: {@code :PORT}, {@code ADDR}, {@code ADDR:PORT}, a bare IPv6
     * address, {@code [V6]:PORT} and {@code [V6]-[V6]:PORT}, each part a single value or a range. Masquerade and
     * redirect take ports only.
     */
    NatTarget natTarget(NatStatement.Kind kind, Phrase ph) throws RulesetParseException {
        String s = ph.text();
        Optional<Operand> address = Optional.empty();
        Optional<Operand> ports = Optional.empty();
        SourcePos addrPos = null;
        SourcePos portPos = null;
        if (!kind.takesAddress()) {
            int from = 0;
            if (s.startsWith(":") && !s.startsWith("::")) {
                from = 1;
            } else if (kind == NatStatement.Kind.MASQUERADE) {
                throw err(ph.posAt(0), "masquerade takes only ports: masquerade to :PORT[-PORT]");
            }
            if (from == s.length()) {
                throw err(ph.posAt(0), "missing port after ':'");
            }
            return new NatTarget(address, Optional.of(numeric(ValueKind.PORT, ph, from, s.length())), null,
                    ph.posAt(from));
        }
        int addrFrom = 0;
        int addrTo;
        int portFrom = -1;
        boolean bracketed = false;
        if (s.startsWith(":") && !s.startsWith("::")) {
            addrTo = 0;
            portFrom = 1;
        } else if (s.startsWith("[")) {
            bracketed = true;
            int close = s.indexOf(']');
            if (close < 0) {
                throw err(ph.posAt(0), "missing ']' after the bracketed IPv6 address");
            }
            addrFrom = 1;
            addrTo = close;
            int rest = close + 1;
            IpAddress lo = host(ph, 1, close, true);
            Operand addr = lo;
            if (s.startsWith("-[", rest)) {
                int close2 = s.indexOf(']', rest + 2);
                if (close2 < 0) {
                    throw err(ph.posAt(rest + 1), "missing ']' after the bracketed IPv6 address");
                }
                IpAddress hi = host(ph, rest + 2, close2, true);
                if (lo.compareTo(hi) > 0) {
                    throw err(ph.posAt(0), "address range has zero or negative size (the low end exceeds"
                            + " the high end)");
                }
                addr = new Operand.Range(lo, hi);
                rest = close2 + 1;
            }
            if (rest < s.length()) {
                if (s.charAt(rest) != ':') {
                    throw err(ph.posAt(rest), "expected ':PORT' after the bracketed address, found \""
                            + Lexer.abbreviate(s.substring(rest)) + "\"");
                }
                portFrom = rest + 1;
            }
            address = Optional.of(addr);
            addrPos = ph.posAt(0);
        } else {
            int colons = (int) s.chars().filter(c -> c == ':').count();
            int slash = s.indexOf('/');
            int afterPrefix = slash < 0 ? -1 : s.indexOf(':', slash);
            if (afterPrefix > 0 && colons > 1) {
                // PREFIX:PORT with an IPv6 prefix, which nft lists (2001:db8::/120:80) but reads back no more than the
                // IPv4 form (198.51.100.0/28:80):
                // accepted here so that what nft:list prints loads again
                addrTo = afterPrefix;
                portFrom = afterPrefix + 1;
            } else if (colons == 1) {
                addrTo = s.indexOf(':');
                portFrom = addrTo + 1;
            } else {
                addrTo = s.length();
            }
        }
        if (!bracketed && addrTo > addrFrom) {
            boolean v6 = s.substring(addrFrom, addrTo).indexOf(':') >= 0;
            Operand a = address(ph, addrFrom, addrTo, v6);
            // nft sends a prefix as the range of its addresses (even a /32), and lists any range that is exactly a
            // prefix as the prefix: one form for both, so that what is listed parses back to an equal rule
            if (a instanceof IpAddress ip && (!ip.isHost() || s.lastIndexOf('/', addrTo) >= addrFrom)) {
                a = new Operand.Range(ip.firstAddress(), ip.lastAddress());
            }
            address = Optional.of(a);
            addrPos = ph.posAt(addrFrom);
        }
        if (portFrom >= 0) {
            if (portFrom >= s.length()) {
                throw err(ph.posAt(portFrom - 1), "missing port after ':'");
            }
            ports = Optional.of(numeric(ValueKind.PORT, ph, portFrom, s.length()));
            portPos = ph.posAt(portFrom);
        }
        return new NatTarget(address, ports, addrPos, portPos);
    }
}
