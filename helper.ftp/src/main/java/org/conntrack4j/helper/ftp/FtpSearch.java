package org.conntrack4j.helper.ftp;

import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Packet;

/**
 * One line of the helper's search table ({@code struct ftp_search}): a pattern looked for at the very start
 * of a segment's payload, the character to skip to before the numbers, the character that must end them,
 * and the reader of the numbers.
 */
final class FtpSearch {
    /** The kinds of announcement ({@code enum nf_ct_ftp_type}, values as in the kernel's uapi). */
    static final int PORT = 0;
    static final int PASV = 1;
    static final int EPRT = 2;
    static final int EPSV = 3;

    /** Results of {@link #find}: the command was read; the pattern is not there; the pattern is there but the
     * rest cannot be read (too short, cut, garbage), which makes the kernel drop the segment. */
    static final int MATCH = 1;
    static final int NONE = 0;
    static final int PARTIAL = -1;

    /**
     * What is looked for, by direction of the segment ({@code search[IP_CT_DIR_MAX][2]}), tried in this order;
     * the first pattern found decides.
     * <pre>
     *   direction  pattern  skip to  numbers end at  kind  numbers
     *   original   "PORT"   ' '      '\r'            PORT  h1,h2,h3,h4,p1,p2
     *   original   "EPRT"   ' '      '\r'            EPRT  |1|a.b.c.d|port| or |2|ipv6|port|
     *   reply      "227 "   -        any character   PASV  first digit on: h1,h2,h3,h4,p1,p2
     *   reply      "229 "   '('      ')'             EPSV  |||port|
     * </pre>
     * The client announces where it listens (active mode); the server, in its replies to PASV and EPSV,
     * where it listens (passive mode). The terminators of EPRT and 229 are not checked by their readers.
     */
    static final FtpSearch[][] BY_DIRECTION = new FtpSearch[2][];

    static {
        BY_DIRECTION[Direction.ORIGINAL] = new FtpSearch[] {
            new FtpSearch("PORT", ' ', '\r', PORT, FtpNumbers::rfc959),
            new FtpSearch("EPRT", ' ', '\r', EPRT, FtpNumbers::eprt)};
        BY_DIRECTION[Direction.REPLY] = new FtpSearch[] {
            new FtpSearch("227 ", 0, 0, PASV, FtpNumbers::rfc1123),
            new FtpSearch("229 ", '(', ')', EPSV, FtpNumbers::epsvResponse)};
    }

    final String pattern;
    final int skip;
    final int term;
    final int type;
    final FtpNumbers.Reader reader;
    /** The kernel's log text when the pattern is found but the rest cannot be read. */
    final String partialReason;

    private FtpSearch(String pattern, int skip, int term, int type, FtpNumbers.Reader reader) {
        this.pattern = pattern;
        this.skip = skip;
        this.term = term;
        this.type = type;
        this.reader = reader;
        this.partialReason = FtpHelper.LOG_PREFIX + "partial matching of `" + pattern + "'";
    }

    /** Are the first {@code n} bytes at {@code data} the first {@code n} of the pattern, ignoring ASCII case? */
    private boolean prefixAt(Packet p, int data, int n) {
        for (int i = 0; i < n; i++) {
            if (lower(p.u8(data + i)) != lower(pattern.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    /**
     * Looks for this line's command at the start of the {@code dlen} payload bytes at {@code data}
     * ({@code find_pattern}); on {@link #MATCH} the command's address, port, and the offset and length of its
     * numbers (relative to {@code data}) are in {@code cmd}. A payload no longer than the pattern that
     * begins like it is {@link #PARTIAL}: it may be the start of a command cut by the sender.
     */
    int find(Packet p, int data, int dlen, FtpCommand cmd) {
        int plen = pattern.length();
        if (dlen <= plen) {
            return prefixAt(p, data, dlen) ? PARTIAL : NONE;
        }
        if (!prefixAt(p, data, plen)) {
            return NONE;
        }
        int i = plen;
        if (skip != 0) {
            while (p.u8(data + i) != skip) {
                if (i == dlen - 1) {
                    return PARTIAL;
                }
                i++;
            }
            i++;
        }
        cmd.matchOff = i;
        int n = reader.read(p, data + i, dlen - i, cmd, term);
        if (n == 0) {
            return PARTIAL;
        }
        cmd.matchLen = n;
        return MATCH;
    }
}
