package org.conntrack4j.helper.ftp;

import java.util.Arrays;
import org.conntrack4j.core.api.Packet;

/**
 * IPv6 address text as the kernel reads it in EPRT ({@code in6_pton} with a delimiter, and its
 * {@code in4_pton} for a dotted tail): hex words of up to four digits, one {@code ::}, an optional dotted
 * IPv4 tail; the text ends at the delimiter, at a NUL byte, or where the bytes run out.
 *
 * <p>The reader is a small state machine. Its state is the set of character classes acceptable next; each
 * character is classified first, rejected when its class is not in the set, and otherwise moves the machine:
 * <pre>
 *   class      effect                                           acceptable next
 *   hex digit  shifts into the current word                     another digit while the word has room
 *                                                               (4 digits); ':' ; the delimiter once
 *                                                               eight words (or "::") make it complete
 *   ':'        closes the current word (not before the first)   after one ':'  : a digit, or ':' if no
 *                                                               "::" was seen yet (it then marks "::")
 *                                                               after "::"     : a digit or the delimiter
 *   '.'        the current word is the start of a dotted IPv4   (ends the address)
 *              tail: re-read from the word's start in decimal
 *   delimiter  closes the current word; the address is complete
 * </pre>
 * A dotted tail is acceptable only where it fills the last 32 bits (or fits after "::"). The words after
 * "::" are finally moved to the end of the address and the gap filled with zeros.
 */
final class Inet6Text {
    // character classes (the low byte of a hex digit's class is its value)
    private static final int XDIGIT = 0x00010000;
    private static final int DIGIT = 0x00020000;
    private static final int COLON_1 = 0x00100000;
    private static final int COLON_2 = 0x00200000;
    private static final int COLON_1_2 = 0x00400000;
    private static final int COLON_MASK = COLON_1 | COLON_2 | COLON_1_2;
    private static final int DOT = 0x00800000;
    private static final int DELIM = 0x10000000;
    /** In the state: the word being closed is not stored (nothing was read, or the address is full). */
    private static final int NULL = 0x20000000;
    private static final int UNKNOWN = 0x40000000;

    private Inet6Text() {
    }

    private static int classify(int c, int delim) {
        if (c == delim || c == 0) {
            return DELIM;
        }
        if (c == ':') {
            return COLON_MASK;
        }
        if (c == '.') {
            return DOT;
        }
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F'
            ? c - 'A' + 10 : -1;
        if (v >= 0) {
            return v | XDIGIT | (v < 10 ? DIGIT : 0);
        }
        return UNKNOWN;
    }

    /** The byte at {@code i}, or 0 past {@code limit} (the kernel reads a NUL once the length is used up). */
    private static int at(Packet p, int i, int limit) {
        return i < limit ? p.u8(i) : 0;
    }

    /**
     * Reads an IPv6 address from the {@code len} bytes at {@code off}; on success stores it in
     * {@code cmd} and returns the length read (up to the character that ended it), else returns 0 and leaves
     * {@code cmd}'s address alone.
     */
    static int parse(Packet p, int off, int len, int delim, FtpCommand cmd) {
        byte[] b = cmd.words;
        Arrays.fill(b, (byte) 0);
        int limit = off + len;
        int s = off;
        int tok = -1;
        int d = 0;
        int dc = -1;
        int state = COLON_1_2 | XDIGIT | NULL;
        int w = 0;
        while (true) {
            int c = classify(at(p, s, limit), delim);
            if ((c & state) == 0) {
                return 0;
            }
            if ((c & (DELIM | COLON_MASK)) != 0) {
                if ((state & NULL) == 0) {
                    if (d + 2 > b.length) {
                        return 0; // cannot happen: the state forbids a ninth word
                    }
                    b[d++] = (byte) (w >>> 8);
                    b[d++] = (byte) w;
                }
                w = 0;
                if ((c & DELIM) != 0) {
                    break;
                }
                switch (state & COLON_MASK) {
                    case COLON_2:
                        // the second ':' of "::": the rest goes to the end of the address
                        dc = d;
                        state = XDIGIT | DELIM;
                        if (dc >= b.length) {
                            state |= NULL;
                        }
                        break;
                    case COLON_1 | COLON_1_2:
                        state = XDIGIT | COLON_2;
                        break;
                    case COLON_1:
                        state = XDIGIT;
                        break;
                    case COLON_1_2:
                        state = COLON_2;
                        break;
                    default:
                        state = 0;
                }
                tok = s + 1;
            } else if ((c & DOT) != 0) {
                int end = dotted(p, tok >= 0 ? tok : s, limit, delim, b, d);
                if (end < 0) {
                    return 0;
                }
                d += 4;
                s = end;
                break;
            } else {
                w = w << 4 | (c & 0xff);
                state = COLON_1 | DELIM;
                if ((w & 0xf000) == 0) {
                    state |= XDIGIT;
                }
                if (dc < 0 && d + 2 < b.length) {
                    state |= COLON_1_2;
                    state &= ~DELIM;
                }
                if (d + 2 >= b.length) {
                    state &= ~(COLON_1 | COLON_1_2);
                }
            }
            if ((dc >= 0 && d + 4 < b.length) || d + 4 == b.length) {
                state |= DOT;
            }
            if (d >= b.length) {
                state &= ~(XDIGIT | COLON_MASK);
            }
            s++;
        }
        cmd.setAddress16(expand(b, d, dc));
        return s - off;
    }

    /** Moves the {@code d - dc} bytes read after "::" to the end of the 16 and zeroes the gap. */
    private static byte[] expand(byte[] b, int d, int dc) {
        if (dc < 0) {
            return b;
        }
        int tail = d - dc;
        System.arraycopy(b, dc, b, b.length - tail, tail);
        Arrays.fill(b, dc, b.length - tail, (byte) 0);
        return b;
    }

    /**
     * A dotted IPv4 address from {@code from} ({@code in4_pton}): four decimal parts of at most 255, ended by
     * the delimiter, a NUL, the end of the bytes or a ':'. Writes the 4 bytes to {@code out[at..]} and returns
     * the index of the ending character, or -1.
     */
    private static int dotted(Packet p, int from, int limit, int delim, byte[] out, int at) {
        int s = from;
        int parts = 0;
        int value = 0;
        boolean digits = false;
        while (true) {
            int c = classify(at(p, s, limit), delim);
            if ((c & (DIGIT | DOT | DELIM | COLON_MASK)) == 0) {
                return -1;
            }
            if ((c & (DOT | DELIM | COLON_MASK)) != 0) {
                if (!digits) {
                    return -1;
                }
                out[at + parts] = (byte) value;
                parts++;
                value = 0;
                digits = false;
                if ((c & (DELIM | COLON_MASK)) != 0) {
                    return parts == 4 ? s : -1;
                }
            } else {
                value = value * 10 + (c & 0xff);
                digits = true;
                if (value > 255) {
                    return -1;
                }
            }
            if (parts >= 4) {
                return -1;
            }
            s++;
        }
    }
}
