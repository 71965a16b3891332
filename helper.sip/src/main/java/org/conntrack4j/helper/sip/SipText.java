package org.conntrack4j.helper.sip;

import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;

/**
 * Reading SIP and SDP text as Linux does ({@code ct_sip_get_header}, {@code ct_sip_parse_request},
 * {@code ct_sip_get_sdp_header} and their helpers), with the same tolerance and the same quirks, so that a message
 * is understood (or not) exactly as the kernel understands it:
 * <ul>
 * <li>headers start a line (after CR, LF or CRLF); a line starting with a space or tab continues the previous one;
 * names are compared without case, compact forms ({@code m}, {@code v}, ...) only when no letter follows;</li>
 * <li>a header's value is searched for a marker ({@code sip:}, {@code UDP }) across continuation lines, then
 * measured by its kind (digits, an address with an optional port, user info skipped up to {@code @});</li>
 * <li>numbers are C's {@code simple_strtoul}: no sign, no spaces, wrapping, base 0 (octal, hex) for parameters;
 * addresses are {@code in4_pton}/{@code in6_pton} with any other character ending them, IPv6 in brackets where a
 * port may follow;</li>
 * <li>SDP lines are found the same way but their markers ({@code IN IP4 }) only within the line.</li>
 * </ul>
 * Everything reads within the message ({@link SipMsg#len}); results go to the message's fields. Returns follow
 * Linux: 1 found, 0 not there, -1 there but unreadable.
 */
final class SipText {
    // what a header's value is measured as
    static final int DIGITS = 0;
    static final int EPADDR = 1;
    static final int SKP_EPADDR = 2;
    static final int MEDIA = 3;
    static final int SDP_ADDR = 4;

    /** A SIP header or SDP line: name, compact name, the marker searched in the value, how the value is measured. */
    static final class Hdr {
        final byte[] name;
        final byte[] cname;
        final byte[] search;
        final int kind;

        Hdr(String name, String cname, String search, int kind) {
            this.name = bytes(name);
            this.cname = cname == null ? null : bytes(cname);
            this.search = search == null ? null : bytes(search);
            this.kind = kind;
        }
    }

    static final Hdr CSEQ = new Hdr("CSeq", null, null, DIGITS);
    static final Hdr FROM = new Hdr("From", "f", "sip:", SKP_EPADDR);
    static final Hdr TO = new Hdr("To", "t", "sip:", SKP_EPADDR);
    static final Hdr CONTACT = new Hdr("Contact", "m", "sip:", SKP_EPADDR);
    static final Hdr VIA_UDP = new Hdr("Via", "v", "UDP ", EPADDR);
    static final Hdr VIA_TCP = new Hdr("Via", "v", "TCP ", EPADDR);
    static final Hdr EXPIRES = new Hdr("Expires", null, null, DIGITS);
    static final Hdr CONTENT_LENGTH = new Hdr("Content-Length", "l", null, DIGITS);

    // SDP lines, by family (index 0: IPv4, 1: IPv6)
    static final Hdr SDP_VERSION = new Hdr("v=", null, null, DIGITS);
    static final Hdr SDP_MEDIA = new Hdr("m=", null, null, MEDIA);
    private static final Hdr[] SDP_OWNER = {new Hdr("o=", null, "IN IP4 ", SDP_ADDR),
        new Hdr("o=", null, "IN IP6 ", SDP_ADDR)};
    private static final Hdr[] SDP_CONNECTION = {new Hdr("c=", null, "IN IP4 ", SDP_ADDR),
        new Hdr("c=", null, "IN IP6 ", SDP_ADDR)};

    static final byte[] SIP_PREFIX = bytes("sip:");
    static final byte[] RESPONSE = bytes("SIP/2.0 ");
    private static final byte[] COMMA = bytes(",");
    private static final byte[] SEMICOLON = bytes(";");
    private static final byte[] TRANSPORT = bytes("transport=");
    private static final byte[] TCP = bytes("TCP");
    private static final byte[] UDP = bytes("UDP");

    /** The default SIP port, for URIs without one. */
    static final int SIP_PORT = 5060;

    private SipText() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static Hdr sdpOwner(int family) {
        return SDP_OWNER[family == Family.IPV4 ? 0 : 1];
    }

    static Hdr sdpConnection(int family) {
        return SDP_CONNECTION[family == Family.IPV4 ? 0 : 1];
    }

    // ---- characters -------------------------------------------------------------------------------------------

    static boolean isAlpha(int c) {
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static int hexValue(int c) {
        if (isDigit(c)) {
            return c - '0';
        }
        int l = c | 0x20;
        return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
    }

    private static boolean isEol(int c) {
        return c == '\r' || c == '\n';
    }

    /** Does the message hold {@code s} at {@code i}, compared without case (and within the message)? */
    static boolean startsWithIgnoreCase(SipMsg m, int i, byte[] s) {
        if (i < 0 || i + s.length > m.len) {
            return false;
        }
        for (int k = 0; k < s.length; k++) {
            int a = m.at(i + k);
            int c = s[k];
            if (a != c && (!isAlpha(a) || (a | 0x20) != (c | 0x20))) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(SipMsg m, int i, byte[] s) {
        if (i < 0 || i + s.length > m.len) {
            return false;
        }
        for (int k = 0; k < s.length; k++) {
            if (m.at(i + k) != s[k]) {
                return false;
            }
        }
        return true;
    }

    // ---- numbers ----------------------------------------------------------------------------------------------

    /**
     * {@code simple_strtoul} from {@code i}: base 10, or with base 0 a leading {@code 0x} for hex and {@code 0} for
     * octal; stops at the first byte that is not a digit of the base (or the message's end), sets {@link SipMsg#end}.
     * Wraps at 2^64 as C does; callers truncate to C's unsigned int where Linux does.
     */
    static long strtoul(SipMsg m, int i, int base) {
        int b = base;
        if (b == 0) {
            if (m.peek(i) == '0') {
                if ((m.peek(i + 1) | 0x20) == 'x' && hexValue(m.peek(i + 2)) >= 0) {
                    b = 16;
                    i += 2;
                } else {
                    b = 8;
                }
            } else {
                b = 10;
            }
        }
        long v = 0;
        while (i < m.len) {
            int d = hexValue(m.at(i));
            if (d < 0 || d >= b) {
                break;
            }
            v = v * b + d;
            i++;
        }
        m.end = i;
        return v;
    }

    /**
     * A port as Linux 6.18 reads it: decimal digits into an unsigned int, 0 when they do not fit (the kernel
     * treats a media port beyond 2^32 as an inactive stream and a URI with one as unreadable, where a plain
     * {@code simple_strtoul} would have wrapped). Sets {@link SipMsg#end}.
     */
    static long port(SipMsg m, int i) {
        long v = 0;
        boolean overflow = false;
        while (i < m.len && isDigit(m.at(i))) {
            v = v * 10 + m.at(i) - '0';
            if (v > 0xffffffffL) {
                overflow = true;
                v = 0xffffffffL;
            }
            i++;
        }
        m.end = i;
        return overflow ? 0 : v;
    }

    /** {@link #strtoul} truncated to C's {@code unsigned int}, as a non-negative long. */
    static long strtouint(SipMsg m, int i, int base) {
        return strtoul(m, i, base) & 0xffffffffL;
    }

    // ---- addresses --------------------------------------------------------------------------------------------

    /**
     * {@code in4_pton} with no delimiter: four decimal parts of at most 255 separated by dots, ended by anything
     * that is not a digit, dot or hex letter (a hex letter fails it). Sets the address and {@link SipMsg#end}.
     */
    private static boolean in4(SipMsg m, int i, int limit) {
        int parts = 0;
        int w = 0;
        boolean digit = false;
        long addr = 0;
        while (true) {
            int c = i < limit ? m.at(i) : 0;
            if (isDigit(c)) {
                w = w * 10 + c - '0';
                if (w > 255) {
                    return false;
                }
                digit = true;
            } else if (c == '.' || hexValue(c) < 0) {
                // a dot, or the end (any other character, or none)
                if (!digit) {
                    return false;
                }
                addr = addr << 8 | w;
                parts++;
                w = 0;
                digit = false;
                if (c != '.') {
                    if (parts != 4) {
                        return false;
                    }
                    break;
                }
            } else {
                return false;
            }
            if (parts >= 4) {
                return false;
            }
            i++;
        }
        m.addrHi = 0;
        m.addrLo = addr;
        m.end = i;
        return true;
    }

    /**
     * {@code in6_pton} with no delimiter: up to eight groups of hex digits separated by colons, one {@code ::}, an
     * IPv4 dotted tail; ended by any other character. Sets the address and {@link SipMsg#end}.
     */
    private static boolean in6(SipMsg m, int i, int limit) {
        int[] g = m.groups;
        java.util.Arrays.fill(g, 0);
        int n = 0;
        int gap = -1;
        int start = i;
        while (true) {
            int c = i < limit ? m.at(i) : 0;
            if (c == ':') {
                if (i + 1 < limit && m.at(i + 1) == ':') {
                    if (gap >= 0) {
                        return false;
                    }
                    gap = n;
                    i += 2;
                    if (i >= limit || hexValue(m.at(i)) < 0) {
                        break;
                    }
                    continue;
                }
                if (i == start) {
                    return false;
                }
                i++;
                continue;
            }
            if (hexValue(c) < 0) {
                break;
            }
            // a group, or a dotted IPv4 tail
            int j = i;
            int w = 0;
            while (j < limit && hexValue(m.at(j)) >= 0 && j - i < 5) {
                w = w << 4 | hexValue(m.at(j));
                j++;
            }
            if (j < limit && m.at(j) == '.') {
                if (n > 6 || !in4(m, i, limit)) {
                    return false;
                }
                g[n++] = (int) (m.addrLo >>> 16);
                g[n++] = (int) m.addrLo & 0xffff;
                i = m.end;
                break;
            }
            if (j - i > 4 || n >= 8) {
                return false;
            }
            g[n++] = w;
            i = j;
            if (i >= limit || m.at(i) != ':') {
                break;
            }
        }
        if (gap < 0 ? n != 8 : n > 7) {
            return false;
        }
        if (gap >= 0) {
            // the groups after the gap move to the end, zeros in between
            int tail = n - gap;
            System.arraycopy(g, gap, g, 8 - tail, tail);
            java.util.Arrays.fill(g, gap, 8 - tail, 0);
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++) {
            hi = hi << 16 | g[k];
            lo = lo << 16 | g[4 + k];
        }
        m.addrHi = hi;
        m.addrLo = lo;
        m.end = i;
        return true;
    }

    /**
     * {@code sip_parse_addr}: an address of the connection's family at {@code i}; IPv6 in brackets, which
     * {@code delim} requires. Sets the address and {@link SipMsg#end}.
     */
    static boolean parseAddr(SipMsg m, int i, int limit, boolean delim) {
        if (m.family == Family.IPV4) {
            return in4(m, i, limit);
        }
        int p = i;
        if (p < limit && m.at(p) == '[') {
            p++;
        } else if (delim) {
            return false;
        }
        if (!in6(m, p, limit)) {
            return false;
        }
        int e = m.end;
        if (e < limit && m.at(e) == ']') {
            m.end = e + 1;
        } else if (delim) {
            return false;
        }
        return true;
    }

    // ---- value lengths ----------------------------------------------------------------------------------------

    private static int stringLen(SipMsg m, int i, int limit) {
        int n = 0;
        while (i + n < limit && isAlpha(m.at(i + n))) {
            n++;
        }
        return n;
    }

    private static int digitsLen(SipMsg m, int i, int limit) {
        int n = 0;
        while (i + n < limit && isDigit(m.at(i + n))) {
            n++;
        }
        return n;
    }

    /** An address with an optional {@code :port}. */
    private static int epaddrLen(SipMsg m, int i, int limit) {
        if (!parseAddr(m, i, limit, true)) {
            return 0;
        }
        int d = m.end;
        if (m.peek(d) == ':') {
            d++;
            d += digitsLen(m, d, limit);
        }
        return d - i;
    }

    /** The same after user info up to an {@code @} on the same line, which goes to {@link SipMsg#shift}. */
    private static int skpEpaddrLen(SipMsg m, int i, int limit) {
        int d = i;
        int s = 0;
        while (d < limit && m.at(d) != '@' && !isEol(m.at(d))) {
            d++;
            s++;
        }
        if (d < limit && m.at(d) == '@') {
            m.shift += s + 1;
            d++;
        } else {
            d = i;
        }
        return epaddrLen(m, d, limit);
    }

    /** {@code media_len}: the media type, one space and the port's digits. */
    private static int mediaLen(SipMsg m, int i, int limit) {
        int n = stringLen(m, i, limit);
        if (i + n >= limit || m.at(i + n) != ' ') {
            return 0;
        }
        n++;
        return n + digitsLen(m, i + n, limit);
    }

    private static int matchLen(SipMsg m, int kind, int i, int limit) {
        switch (kind) {
            case DIGITS:
                return digitsLen(m, i, limit);
            case EPADDR:
                return epaddrLen(m, i, limit);
            case SKP_EPADDR:
                return skpEpaddrLen(m, i, limit);
            case MEDIA:
                return mediaLen(m, i, limit);
            default:
                return parseAddr(m, i, limit, false) ? m.end - i : 0;
        }
    }

    // ---- SIP headers ------------------------------------------------------------------------------------------

    /**
     * {@code sip_follow_continuation}: from the line end at {@code d}, the first non-blank character of a
     * continuation line, or -1 if the next line is no continuation (or the message ends).
     */
    private static int followContinuation(SipMsg m, int d, int limit) {
        if (++d >= limit) {
            return -1;
        }
        if (m.at(d - 1) == '\r' && m.at(d) == '\n') {
            if (++d >= limit) {
                return -1;
            }
        }
        if (m.at(d) != ' ' && m.at(d) != '\t') {
            return -1;
        }
        while (d < limit && (m.at(d) == ' ' || m.at(d) == '\t')) {
            d++;
        }
        return d;
    }

    /**
     * {@code sip_skip_whitespace}: spaces and tabs, and at a line end the continuation line's first non-blank
     * character (-1 if the next line is no continuation). Returns {@code limit} if the message ends in blanks.
     */
    private static int skipWhitespace(SipMsg m, int d, int limit) {
        for (; d < limit; d++) {
            int c = m.at(d);
            if (c == ' ' || c == '\t') {
                continue;
            }
            if (isEol(c)) {
                return followContinuation(m, d, limit);
            }
            break;
        }
        return d;
    }

    /** {@code ct_sip_header_search}: {@code needle} (without case) within a header value and its continuations. */
    static int headerSearch(SipMsg m, int d, int limit, byte[] needle) {
        int lim = limit - needle.length;
        for (; d < lim; d++) {
            if (isEol(m.at(d))) {
                d = followContinuation(m, d, lim);
                if (d < 0) {
                    break;
                }
                continue;
            }
            if (startsWithIgnoreCase(m, d, needle)) {
                return d;
            }
        }
        return -1;
    }

    /** The start of the line after the line end (CR, LF or CRLF) at {@code d}; -1 if the message ends first. */
    private static int afterLineEnd(SipMsg m, int d, int limit) {
        if (++d >= limit) {
            return -1;
        }
        if (m.at(d - 1) == '\r' && m.at(d) == '\n' && ++d >= limit) {
            return -1;
        }
        return d;
    }

    /**
     * The value of header or SDP line {@code h} starting at {@code d}: past its marker (searched across
     * continuations for a header, within the line for SDP), measured by its kind. Sets matchOff/matchLen; 1 or -1.
     */
    private static int measure(SipMsg m, int d, int limit, Hdr h, boolean sdp) {
        m.matchOff = d;
        if (h.search != null) {
            d = sdp ? sdpHeaderSearch(m, d, limit, h.search) : headerSearch(m, d, limit, h.search);
            if (d < 0) {
                return -1;
            }
            d += h.search.length;
        }
        m.matchLen = matchLen(m, h.kind, d, limit);
        if (m.matchLen == 0) {
            return -1;
        }
        m.matchOff = d + m.shift;
        return 1;
    }

    /** {@code ct_sip_get_header}: the first header {@code h} at a line start after {@code dataoff}. */
    static int getHeader(SipMsg m, int dataoff, Hdr h) {
        int limit = m.len;
        m.shift = 0;
        for (int d = dataoff; d < limit; d++) {
            if (!isEol(m.at(d))) {
                continue;
            }
            d = afterLineEnd(m, d, limit);
            if (d < 0) {
                break;
            }
            if (m.at(d) == ' ' || m.at(d) == '\t') {
                continue;
            }
            if (limit - d >= h.name.length && startsWithIgnoreCase(m, d, h.name)) {
                d += h.name.length;
            } else if (h.cname != null && limit - d >= h.cname.length + 1 && startsWithIgnoreCase(m, d, h.cname)
                && !isAlpha(m.at(d + h.cname.length))) {
                d += h.cname.length;
            } else {
                continue;
            }
            d = skipWhitespace(m, d, limit);
            if (d < 0 || m.peek(d) != ':' || ++d >= limit) {
                break;
            }
            d = skipWhitespace(m, d, limit);
            if (d < 0) {
                break;
            }
            return measure(m, d, limit, h, false);
        }
        return 0;
    }

    /** {@code ct_sip_next_header}: the next value of a comma-separated list in the same header. */
    private static int nextHeader(SipMsg m, int dataoff, Hdr h) {
        int limit = m.len;
        m.shift = 0;
        int d = headerSearch(m, dataoff, limit, COMMA);
        if (d < 0) {
            return 0;
        }
        d = headerSearch(m, d, limit, h.search);
        if (d < 0) {
            return 0;
        }
        d += h.search.length;
        m.matchOff = d;
        m.matchLen = matchLen(m, h.kind, d, limit);
        if (m.matchLen == 0) {
            return -1;
        }
        m.matchOff += m.shift;
        return 1;
    }

    /**
     * {@code ct_sip_walk_headers}: the next readable value of {@code h}; with {@code stream} the walk goes on where
     * {@link SipMsg#inHeader} left it. An unreadable value is stepped over as Linux does (by its offset, again).
     */
    private static int walkHeaders(SipMsg m, int dataoff, Hdr h, boolean stream) {
        if (stream && m.inHeader) {
            while (true) {
                int r = nextHeader(m, dataoff, h);
                if (r > 0) {
                    return r;
                }
                if (r == 0) {
                    break;
                }
                dataoff += m.matchOff;
            }
            m.inHeader = false;
        }
        while (true) {
            int r = getHeader(m, dataoff, h);
            if (r > 0) {
                break;
            }
            if (r == 0) {
                return 0;
            }
            dataoff += m.matchOff;
        }
        if (stream) {
            m.inHeader = true;
        }
        return 1;
    }

    /**
     * {@code ct_sip_parse_header_uri}: the address and port (default 5060; else 1024..65535) of header {@code h}.
     * With {@code stream}, from {@link SipMsg#coff}, which is moved past the value.
     */
    static int parseHeaderUri(SipMsg m, boolean stream, Hdr h) {
        if (walkHeaders(m, stream ? m.coff : 0, h, stream) == 0) {
            return 0;
        }
        if (!parseAddr(m, m.matchOff, m.len, true)) {
            return -1;
        }
        int c = m.end;
        if (m.peek(c) == ':') {
            long p = port(m, c + 1);
            c = m.end;
            if (p < 1024 || p > 65535) {
                // Linux 6.18 passes such a message as if the header were not there (recorded: sip_hostile_ports)
                return 0;
            }
            m.port = (int) p;
        } else {
            m.port = SIP_PORT;
        }
        if (stream) {
            m.coff = c;
        }
        return 1;
    }

    /**
     * {@code ct_sip_parse_request}: the address and port of the Request-URI. Without a {@code sip:} on the request
     * line the search goes on from 4 bytes before the end, as Linux's does.
     */
    static int parseRequest(SipMsg m) {
        int limit = m.len;
        int d = stringLen(m, 0, limit);
        if (d == 0) {
            return 0;
        }
        if (++d >= limit) {
            return 0;
        }
        for (; d < limit - SIP_PREFIX.length; d++) {
            if (isEol(m.at(d))) {
                return -1;
            }
            if (startsWithIgnoreCase(m, d, SIP_PREFIX)) {
                d += SIP_PREFIX.length;
                break;
            }
        }
        m.shift = 0;
        if (skpEpaddrLen(m, d, limit) == 0) {
            return 0;
        }
        d += m.shift;
        if (!parseAddr(m, d, limit, true)) {
            return -1;
        }
        int end = m.end;
        if (end < limit && m.at(end) == ':') {
            long p = strtouint(m, end + 1, 10);
            end = m.end;
            if (p < 1024 || p > 65535) {
                return -1;
            }
            m.port = (int) p;
        } else {
            m.port = SIP_PORT;
        }
        if (end == d) {
            return 0;
        }
        m.matchOff = d;
        m.matchLen = end - d;
        return 1;
    }

    /** Where the parameters of the value at {@code dataoff} end: its comma, or the message's end. */
    private static int paramLimit(SipMsg m, int dataoff) {
        int limit = headerSearch(m, dataoff, m.len, COMMA);
        return limit < 0 ? m.len : limit;
    }

    /** {@code ct_sip_parse_param}: the text of parameter {@code name} up to the next {@code ;}. */
    static int parseParam(SipMsg m, int dataoff, byte[] name) {
        int limit = paramLimit(m, dataoff);
        int start = headerSearch(m, dataoff, limit, name);
        if (start < 0) {
            return 0;
        }
        start += name.length;
        int end = headerSearch(m, start, limit, SEMICOLON);
        if (end < 0) {
            end = limit;
        }
        m.matchOff = start;
        m.matchLen = end - start;
        return 1;
    }

    /** {@code ct_sip_parse_address_param}: the address in parameter {@code name}. */
    static int parseAddressParam(SipMsg m, int dataoff, byte[] name, boolean delim) {
        int limit = paramLimit(m, dataoff);
        int start = headerSearch(m, dataoff, limit, name);
        if (start < 0) {
            return 0;
        }
        start += name.length;
        if (!parseAddr(m, start, limit, delim)) {
            return 0;
        }
        m.matchOff = start;
        m.matchLen = m.end - start;
        return 1;
    }

    /**
     * {@code ct_sip_parse_numerical_param}: the number (base 0, C's unsigned int) in parameter {@code name}, to
     * {@link SipMsg#value}; -1 if the parameter holds no number.
     */
    static int parseNumericalParam(SipMsg m, int dataoff, byte[] name) {
        int limit = paramLimit(m, dataoff);
        int start = headerSearch(m, dataoff, limit, name);
        if (start < 0) {
            return 0;
        }
        start += name.length;
        m.value = strtouint(m, start, 0);
        if (m.end == start) {
            return -1;
        }
        m.matchOff = start;
        m.matchLen = m.end - start;
        return 1;
    }

    /**
     * {@code ct_sip_parse_transport}: the {@code transport=} of a Contact, which must be the connection's protocol;
     * the connection's protocol if none is given. Returns the protocol, or 0 for another one.
     */
    static int parseTransport(SipMsg m, int dataoff) {
        if (parseParam(m, dataoff, TRANSPORT) == 0) {
            return m.proto;
        }
        int proto;
        if (startsWithIgnoreCase(m, m.matchOff, TCP)) {
            proto = IpProto.TCP;
        } else if (startsWithIgnoreCase(m, m.matchOff, UDP)) {
            proto = IpProto.UDP;
        } else {
            return 0;
        }
        return proto == m.proto ? proto : 0;
    }

    // ---- SDP --------------------------------------------------------------------------------------------------

    /** {@code ct_sdp_header_search}: {@code needle}, case sensitive, within the current line. */
    private static int sdpHeaderSearch(SipMsg m, int d, int limit, byte[] needle) {
        for (int lim = limit - needle.length; d < lim; d++) {
            if (isEol(m.at(d))) {
                break;
            }
            if (startsWith(m, d, needle)) {
                return d;
            }
        }
        return -1;
    }

    /**
     * {@code ct_sip_get_sdp_header}: the first line {@code h} after {@code dataoff}, stopping at a line
     * {@code term} (null: none).
     */
    static int getSdpHeader(SipMsg m, int dataoff, Hdr h, Hdr term) {
        int limit = m.len;
        m.shift = 0;
        for (int d = dataoff; d < limit; d++) {
            if (!isEol(m.at(d))) {
                continue;
            }
            d = afterLineEnd(m, d, limit);
            if (d < 0) {
                break;
            }
            if (term != null && limit - d >= term.name.length && startsWithIgnoreCase(m, d, term.name)) {
                break;
            } else if (limit - d >= h.name.length && startsWithIgnoreCase(m, d, h.name)) {
                d += h.name.length;
            } else {
                continue;
            }
            return measure(m, d, limit, h, true);
        }
        return 0;
    }

    /** {@code ct_sip_parse_sdp_addr}: the address of an SDP line, to the message's address fields. */
    static int parseSdpAddr(SipMsg m, int dataoff, Hdr h, Hdr term) {
        int r = getSdpHeader(m, dataoff, h, term);
        if (r <= 0) {
            return r;
        }
        int off = m.matchOff;
        int len = m.matchLen;
        if (!parseAddr(m, off, off + len, false)) {
            return -1;
        }
        m.matchOff = off;
        m.matchLen = len;
        return 1;
    }
}
