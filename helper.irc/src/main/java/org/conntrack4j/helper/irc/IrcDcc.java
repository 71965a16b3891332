package org.conntrack4j.helper.irc;

import org.conntrack4j.core.api.Packet;

/**
 * The finding of a DCC offer in a segment ({@code parse_dcc} and the scan of {@code help} in
 * {@code nf_conntrack_irc.c}), with the kernel's tolerances and arithmetic: offsets are those of {@link Packet}
 * (from the network header); nothing is allocated until an offer is found.
 *
 * <pre>
 *   [blanks] PRIVMSG target :\1DCC SEND name ADDRESS PORT [size]\1\n      (CHAT, MOVE, TSEND, SCHAT alike)
 * </pre>
 * The segment must start (after spaces and line ends) with {@code PRIVMSG } in any case; the first {@code " :"}
 * after it must open the DCC request. A type other than the five known lets the scan go on to the next
 * {@code " :"}. After the type, the first word (the file name, or "chat") is skipped up to its space; the
 * address (an unsigned decimal IPv4 address) and the port follow, and a line end must come somewhere after
 * them in the segment. Numbers are read as the kernel's {@code simple_strtoul} reads them: digits only, no sign,
 * wrapping on overflow; the address keeps its low 32 bits, the port its low 16. No digits read as 0.
 */
final class IrcDcc {
    /** The kernel searches at most this much of a segment's payload ({@code MAX_SEARCH_SIZE}). */
    static final int MAX_SEARCH = 4095;

    /** The DCC types that carry an address ({@code dccprotos}). */
    private static final byte[][] TYPES = {bytes("SEND "), bytes("CHAT "), bytes("MOVE "), bytes("TSEND "),
        bytes("SCHAT ")};
    private static final byte[] PRIVMSG = bytes("PRIVMSG ");
    private static final byte[] DCC = bytes("\1DCC ");

    /** The address named, as an unsigned 32-bit value in a long. */
    final long address;
    /** The port named, 0..65535. */
    final int port;
    /** Where the address text starts, and where the port text ends (offsets as in {@link Packet}). */
    final int textStart;
    final int textEnd;

    private IrcDcc(long address, int port, int textStart, int textEnd) {
        this.address = address;
        this.port = port;
        this.textStart = textStart;
        this.textEnd = textEnd;
    }

    /** Outcome of {@link #find} besides an offer: no DCC request in the segment (nothing to say). */
    static final IrcDcc NONE = new IrcDcc(0, 0, -1, -1);
    /** Outcome of {@link #find}: a DCC request of a known type whose address and port cannot be read. */
    static final IrcDcc UNREADABLE = new IrcDcc(0, 0, -1, -1);

    /**
     * Looks for an offer in the payload {@code [dataoff, end)} of a segment: the offer, {@link #NONE} or
     * {@link #UNREADABLE}. Only the first {@link #MAX_SEARCH} bytes are looked at, and only the first request.
     */
    static IrcDcc find(Packet p, int dataoff, int end) {
        int limit = dataoff + Math.min(end - dataoff, MAX_SEARCH);
        int data = dataoff;
        while (data < limit - 10 && isBlank(p.u8(data))) {
            data++;
        }
        // a segment too short to hold "PRIVMSG x " is not checked, and too short for an offer anyway
        if (data < limit - 10) {
            if (!startsWith(p, data, PRIVMSG, true)) {
                return NONE;
            }
            data += PRIVMSG.length;
        }
        // 26 = the shortest request, " :\1DCC SEND t AAAAAAAA P\1\n", ends within the segment
        while (data < limit - 26) {
            if (p.u8(data) != ' ' || p.u8(data + 1) != ':') {
                data++;
                continue;
            }
            data += 2;
            if (!startsWith(p, data, DCC, false)) {
                return NONE;
            }
            data += DCC.length;
            for (byte[] type : TYPES) {
                if (startsWith(p, data, type, false)) {
                    return read(p, data + type.length, limit);
                }
            }
        }
        return NONE;
    }

    /** {@code parse_dcc}: the word to skip, then address and port, a line end after them. */
    private static IrcDcc read(Packet p, int data, int end) {
        // skip the file name (or "chat") up to and over its space; at least "AAAAAAAA P\1\n" must follow
        while (true) {
            int c = p.u8(data++);
            if (c == ' ') {
                break;
            }
            if (data > end - 12) {
                return UNREADABLE;
            }
        }
        // the numbers are read up to the first non-digit: a line end must bound them within the segment
        int nl = data;
        while (nl < end && p.u8(nl) != '\n') {
            nl++;
        }
        if (nl >= end) {
            return UNREADABLE;
        }
        int start = data;
        long addr = 0;
        while (isDigit(p.u8(data))) {
            addr = addr * 10 + p.u8(data++) - '0';
        }
        while (p.u8(data) == ' ') {
            data++;
        }
        long port = 0;
        while (isDigit(p.u8(data))) {
            port = port * 10 + p.u8(data++) - '0';
        }
        return new IrcDcc(addr & 0xffffffffL, (int) port & 0xffff, start, data);
    }

    private static boolean isBlank(int c) {
        return c == ' ' || c == '\r' || c == '\n';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** Do the bytes at {@code at} spell {@code s} (ASCII letters in any case when {@code anyCase})? */
    private static boolean startsWith(Packet p, int at, byte[] s, boolean anyCase) {
        for (int i = 0; i < s.length; i++) {
            int c = p.u8(at + i);
            if (anyCase && c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            }
            if (c != s[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
