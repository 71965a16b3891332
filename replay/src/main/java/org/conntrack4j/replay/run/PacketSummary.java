package org.conntrack4j.replay.run;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.text.TextBuffer;

/**
 * One-line descriptions of IP packets in the style of the kernel cases' {@code summary} column
 * ({@code TCP 198.51.100.10:41000 > 203.0.113.10:5001 [S] seq=.. ack=.. win=.. len=0 | IPv4 id=8740 ttl=64}).
 * For people reading the replay's output; never compared. Written byte by byte into the row being built (a replay
 * describes every frame), without a String or a formatter per field.
 */
public final class PacketSummary {
    private static final String FLAG_LETTERS = "FSRPAUEC";
    private static final int DATA_SHOWN = 48;

    private PacketSummary() {
    }

    /** Describes the IP packet of {@code n} bytes at {@code off}. */
    public static String describe(byte[] b, int off, int n) {
        TextBuffer t = new TextBuffer(128);
        describe(t, b, off, n);
        return t.toString();
    }

    /** Appends the description of the IP packet of {@code n} bytes at {@code off} to {@code t}. */
    static void describe(TextBuffer t, byte[] b, int off, int n) {
        int start = t.length();
        try {
            if (n < 1) {
                t.str("empty");
                return;
            }
            int v = (b[off] & 0xff) >>> 4;
            if (v == 4 && n >= 20) {
                ipv4(t, b, off, n);
                return;
            }
            if (v == 6 && n >= 40) {
                ipv6(t, b, off, n);
                return;
            }
            t.str("non-IP (").dec(n).str(" bytes)");
        } catch (RuntimeException e) {
            t.truncate(start);
            t.str("malformed (").dec(n).str(" bytes)");
        }
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static long u32(byte[] b, int i) {
        return (long) u16(b, i) << 16 | u16(b, i + 2);
    }

    private static long u64(byte[] b, int i) {
        return u32(b, i) << 32 | u32(b, i + 4);
    }

    /** The address at {@code off} of {@code b}: IPv4 read in place, or {@code v6}'s text where not null. */
    private static TextBuffer addr(TextBuffer t, byte[] b, int off, String v6) {
        return v6 != null ? t.str(v6) : t.ipv4(b, off);
    }

    private static void ipv4(TextBuffer t, byte[] b, int off, int n) {
        int ihl = (u8(b, off) & 15) * 4;
        int total = u16(b, off + 2);
        // 0 is what a sender doing TCP segmentation offload (and Linux's big TCP) leaves for the device to fill in:
        // the length is the frame's, as tcpdump presumes
        int tot = total == 0 ? n : Math.min(total, n);
        int proto = u8(b, off + 9);
        int src = off + 12;
        int dst = off + 16;
        if (ihl < 20 || tot < ihl) {
            addr(t.str("IPv4 "), b, src, null).str(" > ");
            addr(t, b, dst, null).str(ihl < 20 ? " bad-hlen " : " bad-len ").dec(ihl < 20 ? ihl : total);
            t.str(" | IPv4 id=").dec(u16(b, off + 4)).str(" ttl=").dec(u8(b, off + 8));
            return;
        }
        int frag = u16(b, off + 6);
        int fragOff = (frag & 0x1fff) * 8;
        boolean mf = (frag & 0x2000) != 0;
        if (fragOff != 0 || mf) {
            addr(t.str("IPv4-FRAG "), b, src, null).str(" > ");
            addr(t, b, dst, null).str(" proto=").dec(proto).str(" id=").dec(u16(b, off + 4)).str(" off=").dec(fragOff)
                .str(" len=").dec(tot - ihl);
            if (mf) {
                t.str(" MF");
            }
            if (fragOff == 0 && tot - ihl >= 4) {
                t.str(" first=[").str(l4Name(proto)).ch(' ').dec(u16(b, off + ihl)).str(" > ").dec(u16(b, off + ihl + 2))
                    .ch(']');
            }
            t.str(" | IPv4 ttl=").dec(u8(b, off + 8));
            return;
        }
        l4(t, b, off + ihl, tot - ihl, proto, src, dst, null, null);
        t.str(" | IPv4 id=").dec(u16(b, off + 4)).str(" ttl=").dec(u8(b, off + 8));
        if (total == 0) {
            t.str(" length 0 (TSO)");
        }
    }

    private static void ipv6(TextBuffer t, byte[] b, int off, int n) {
        int plen = Math.min(u16(b, off + 4), n - 40);
        String src = Addr.toText(Family.IPV6, u64(b, off + 8), u64(b, off + 16));
        String dst = Addr.toText(Family.IPV6, u64(b, off + 24), u64(b, off + 32));
        int nh = u8(b, off + 6);
        int pos = off + 40;
        int end = off + 40 + plen;
        for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 44 || nh == 60) && pos + 8 <= end; i++) {
            if (nh == 44) {
                int fo = u16(b, pos + 2);
                boolean m = (fo & 1) != 0;
                int foff = fo & ~7;
                int inner = u8(b, pos);
                t.str("IPv6-FRAG ").str(src).str(" > ").str(dst).str(" nh=").dec(inner).str(" fid=").dec(u32(b, pos + 4)).str(" off=").dec(foff).str(" len=")
                    .dec(end - pos - 8);
                if (m) {
                    t.str(" M");
                }
                if (foff == 0 && end - pos - 8 >= 4) {
                    t.str(" first=[").str(l4Name(inner)).ch(' ').dec(u16(b, pos + 8)).str(" > ").dec(u16(b, pos + 10))
                        .ch(']');
                }
                t.str(" | IPv6 hlim=").dec(u8(b, off + 7));
                return;
            }
            int len = (u8(b, pos + 1) + 1) * 8;
            nh = u8(b, pos);
            pos += len;
        }
        l4(t, b, pos, end - pos, nh, 0, 0, src, dst);
        t.str(" | IPv6 hlim=").dec(u8(b, off + 7));
    }

    private static String l4Name(int proto) {
        switch (proto) {
            case 6: return "TCP";
            case 17: return "UDP";
            case 1: return "ICMP";
            case 58: return "ICMPv6";
            case 132: return "SCTP";
            default: return "proto" + proto;
        }
    }

    /**
     * The transport part, between the addresses at {@code src} and {@code dst} in {@code b} (IPv4), or {@code src6}
     * and {@code dst6} (IPv6).
     */
    private static void l4(TextBuffer t, byte[] b, int p, int len, int proto, int src, int dst, String src6, String dst6) {
        if ((proto == 6 || proto == 17) && len >= (proto == 6 ? 20 : 8)) {
            addr(t.str(l4Name(proto)).ch(' '), b, src, src6).ch(':').dec(u16(b, p)).str(" > ");
            addr(t, b, dst, dst6).ch(':').dec(u16(b, p + 2));
            if (proto == 17) {
                t.str(" len=").dec(Math.max(0, len - 8));
                return;
            }
            int doff = (u8(b, p + 12) >>> 4) * 4;
            int flags = u8(b, p + 13);
            t.str(" [");
            if (flags == 0) {
                t.str("none");
            }
            for (int i = 0; i < 8; i++) {
                if ((flags & (1 << i)) != 0) {
                    t.ch(FLAG_LETTERS.charAt(i));
                }
            }
            int dlen = Math.max(0, len - doff);
            t.str("] seq=").dec(u32(b, p + 4)).str(" ack=").dec(u32(b, p + 8)).str(" win=").dec(u16(b, p + 14))
                .str(" len=").dec(dlen);
            if (dlen > 0 && doff <= len) {
                t.str(" data='");
                printable(t, b, p + doff, Math.min(dlen, DATA_SHOWN));
                t.ch('\'');
            }
            return;
        }
        if (proto == 132 && len >= 12) {
            sctp(t, b, p, len, src, dst, src6, dst6);
            return;
        }
        if (proto == 1 && len >= 8) {
            int type = u8(b, p);
            addr(t.str("ICMP "), b, src, src6).str(" > ");
            addr(t, b, dst, dst6).str(" type=").dec(type).str(" code=").dec(u8(b, p + 1));
            if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
                inner(t, b, p + 8, len - 8);
                return;
            }
            t.str(" id=").dec(u16(b, p + 4)).str(" seq=").dec(u16(b, p + 6));
            return;
        }
        if (proto == 58 && len >= 4) {
            int type = u8(b, p);
            addr(t.str("ICMPv6 "), b, src, src6).str(" > ");
            addr(t, b, dst, dst6).str(" type=").dec(type).str(" code=").dec(u8(b, p + 1));
            if ((type == 128 || type == 129) && len >= 8) {
                t.str(" id=").dec(u16(b, p + 4)).str(" seq=").dec(u16(b, p + 6));
            }
            return;
        }
        addr(t.str(l4Name(proto)).ch(' '), b, src, src6).str(" > ");
        addr(t, b, dst, dst6).str(" len=").dec(len);
    }

    /** The most chunks described; a longer list ends with "...". */
    private static final int CHUNKS_SHOWN = 16;
    private static final String[] CHUNK_NAMES = {"DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK",
        "ABORT", "SHUTDOWN", "SHUTDOWN_ACK", "ERROR", "COOKIE_ECHO", "COOKIE_ACK", "ECNE", "CWR", "SHUTDOWN_COMPLETE"};

    /**
     * {@code SCTP src:port > dst:port vtag=0x.. CHUNK,...}: DATA with its TSN and data length, INIT and INIT ACK
     * with the initiate tag and initial TSN, SACK and SHUTDOWN with the cumulative TSN ack.
     */
    private static void sctp(TextBuffer t, byte[] b, int p, int len, int src, int dst, String src6, String dst6) {
        addr(t.str("SCTP "), b, src, src6).ch(':').dec(u16(b, p)).str(" > ");
        addr(t, b, dst, dst6).ch(':').dec(u16(b, p + 2)).str(" vtag=0x").hex(u32(b, p + 4), 8).ch(' ');
        int n = 0;
        for (int off = 12; off + 4 <= len; off += (u16(b, p + off + 2) + 3) & ~3) {
            if (n++ == CHUNKS_SHOWN) {
                t.str("...,");
                break;
            }
            int type = u8(b, p + off);
            int clen = u16(b, p + off + 2);
            if (type < CHUNK_NAMES.length) {
                t.str(CHUNK_NAMES[type]);
            } else {
                t.str("CHUNK").dec(type);
            }
            // a field is shown only where the chunk's own length covers it
            if (type == 0 && clen >= 16 && off + 12 <= len) {
                t.str("(tsn=").dec(u32(b, p + off + 4)).str(" len=").dec(clen - 16).ch(')');
            } else if ((type == 1 || type == 2) && clen >= 20 && off + 20 <= len) {
                t.str("(init_tag=0x").hex(u32(b, p + off + 4), 8).str(" tsn=").dec(u32(b, p + off + 16)).ch(')');
            } else if ((type == 3 || type == 7) && clen >= 8 && off + 8 <= len) {
                t.str("(cum_tsn=").dec(u32(b, p + off + 4)).ch(')');
            }
            if (clen < 4) {
                t.str("(len=").dec(clen).str("),");
                break;
            }
            t.ch(',');
        }
        if (n == 0) {
            t.str("no chunks,");
        }
        t.truncate(t.length() - 1);
    }

    private static void inner(TextBuffer t, byte[] b, int p, int len) {
        if (len < 20 || (u8(b, p) >>> 4) != 4) {
            return;
        }
        int ihl = (u8(b, p) & 15) * 4;
        int proto = u8(b, p + 9);
        t.str(" inner=[").ipv4(b, p + 12);
        if (len >= ihl + 4 && (proto == 6 || proto == 17)) {
            t.ch(':').dec(u16(b, p + ihl)).str(" > ").ipv4(b, p + 16).ch(':').dec(u16(b, p + ihl + 2));
        } else {
            t.str(" > ").ipv4(b, p + 16);
        }
        t.str(" proto=").dec(proto).ch(']');
    }

    private static void printable(TextBuffer t, byte[] b, int p, int n) {
        // runs of characters shown as they are go in whole, the others escaped one by one
        int run = p;
        for (int i = p; i < p + n; i++) {
            int c = b[i] & 0xff;
            if (c >= 32 && c < 127 && c != '\\' && c != '\'') {
                continue;
            }
            t.bytes(b, run, i - run);
            run = i + 1;
            if (c == '\n') {
                t.str("\\n");
            } else if (c == '\r') {
                t.str("\\r");
            } else if (c == '\t') {
                t.str("\\t");
            } else if (c == '\\' || c == '\'') {
                t.ch('\\').ch((char) c);
            } else {
                t.str("\\x").hex(c, 2);
            }
        }
        t.bytes(b, run, p + n - run);
    }
}
