package org.conntrack4j.helper.ftp;

import java.util.Arrays;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;

/**
 * The number readers of the FTP helper, with the kernel's formats and its arithmetic ({@code try_rfc959},
 * {@code try_rfc1123}, {@code try_eprt}, {@code try_epsv_response}, {@code get_port}, {@code try_number}).
 *
 * <p>Each reads the {@code len} bytes at {@code off} of the packet (offsets as in {@link Packet}), never
 * beyond, fills the {@link FtpCommand} and returns the length of the text it recognised, or 0 when the text
 * is not in its format. As in the kernel, numbers are not range-checked: address parts are combined with
 * 32-bit shifts and ORs, ports keep their low 16 bits, so odd numbers give odd but harmless values.
 */
final class FtpNumbers {
    private FtpNumbers() {
    }

    /** How a {@link FtpSearch} row reads the text after its pattern. */
    @FunctionalInterface
    interface Reader {
        /** Returns the length of the recognised text, or 0; {@code term} is the row's terminator (0: any). */
        int read(Packet p, int off, int len, FtpCommand cmd, int term);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /**
     * {@code count} decimal numbers separated by {@code sep} into {@code out}. Returns the length up to the
     * character after the last number, which must be {@code term} (any character when {@code term} is 0); 0 if
     * another character comes earlier or the text ends first.
     */
    static int numbers(Packet p, int off, int len, int[] out, int count, int sep, int term) {
        Arrays.fill(out, 0, count, 0);
        int i = 0;
        for (int n = 0; n < len && i < count; n++) {
            int c = p.u8(off + n);
            if (isDigit(c)) {
                out[i] = out[i] * 10 + c - '0';
            } else if (c == sep) {
                i++;
            } else {
                return (c == term || term == 0) && i == count - 1 ? n : 0;
            }
        }
        return 0;
    }

    /** PORT's and 227's six numbers {@code h1,h2,h3,h4,p1,p2} (RFC 959). */
    static int rfc959(Packet p, int off, int len, FtpCommand cmd, int term) {
        int[] a = cmd.numbers;
        int n = numbers(p, off, len, a, 6, ',', term);
        if (n == 0) {
            return 0;
        }
        cmd.setFirstWord(a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]);
        cmd.port = (a[4] << 8 | a[5]) & 0xffff;
        return n;
    }

    /**
     * A 227 reply: the numbers start at the first digit, wherever it is (RFC 1123 4.1.2.6: the parentheses are
     * not reliable), and end at any character.
     */
    static int rfc1123(Packet p, int off, int len, FtpCommand cmd, int term) {
        int i = 0;
        while (i < len && !isDigit(p.u8(off + i))) {
            i++;
        }
        if (i == len) {
            return 0;
        }
        cmd.matchOff += i;
        return rfc959(p, off + i, len - i, cmd, 0);
    }

    /**
     * A port from {@code start} up to {@code delim}; returns the length including the delimiter, 0 if the port
     * is 0 (its low 16 bits) or another character comes first.
     */
    static int port(Packet p, int off, int start, int len, int delim, FtpCommand cmd) {
        int port = 0;
        for (int i = start; i < len; i++) {
            int c = p.u8(off + i);
            if (c == delim) {
                if (port == 0) {
                    return 0;
                }
                cmd.port = port;
                return i + 1;
            } else if (isDigit(c)) {
                port = (port * 10 + c - '0') & 0xffff;
            } else {
                return 0;
            }
        }
        return 0;
    }

    /** A delimiter of RFC 2428: printable ASCII, not a digit. */
    private static boolean isDelimiter(int c) {
        return c >= 33 && c <= 126 && !isDigit(c);
    }

    /**
     * EPRT's {@code |1|a.b.c.d|port|} or {@code |2|ipv6|port|} (RFC 2428); the protocol digit must match the
     * connection's family.
     */
    static int eprt(Packet p, int off, int len, FtpCommand cmd, int term) {
        if (len <= 3) {
            return 0;
        }
        int delim = p.u8(off);
        if (!isDelimiter(delim) || p.u8(off + 2) != delim) {
            return 0;
        }
        int proto = p.u8(off + 1);
        boolean v4 = cmd.family == Family.IPV4;
        if (proto != (v4 ? '1' : '2')) {
            return 0;
        }
        int n;
        if (v4) {
            int[] a = cmd.numbers;
            n = numbers(p, off + 3, len - 3, a, 4, '.', delim);
            if (n != 0) {
                cmd.setFirstWord(a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]);
            }
        } else {
            n = Inet6Text.parse(p, off + 3, Math.min(len - 3, 0xffff), delim, cmd);
        }
        if (n == 0) {
            return 0;
        }
        // the port starts after the address and its closing delimiter
        return port(p, off, 3 + n + 1, len, delim, cmd);
    }

    /** A 229 reply's {@code |||port|} (RFC 2428): the address is the server's own. */
    static int epsvResponse(Packet p, int off, int len, FtpCommand cmd, int term) {
        if (len <= 3) {
            return 0;
        }
        int delim = p.u8(off);
        if (!isDelimiter(delim) || p.u8(off + 1) != delim || p.u8(off + 2) != delim) {
            return 0;
        }
        return port(p, off, 3, len, delim, cmd);
    }
}
