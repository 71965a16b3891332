package org.conntrack4j.replay.run;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.inet.Addr;

/**
 * One-line descriptions of IP packets in the style of the kernel cases' {@code summary} column
 * ({@code TCP 198.51.100.10:41000 > 203.0.113.10:5001 [S] seq=.. ack=.. win=.. len=0 | IPv4 id=8740 ttl=64}).
 * For people reading the replay's output; never compared.
 */
public final class PacketSummary {
    private static final String FLAG_LETTERS = "FSRPAUEC";
    private static final int DATA_SHOWN = 48;

    private PacketSummary() {
    }

    /** Describes the IP packet of {@code n} bytes at {@code off}. */
    public static String describe(byte[] b, int off, int n) {
        try {
            if (n < 1) {
                return "empty";
            }
            int v = (b[off] & 0xff) >>> 4;
            if (v == 4 && n >= 20) {
                return ipv4(b, off, n);
            }
            if (v == 6 && n >= 40) {
                return ipv6(b, off, n);
            }
            return "non-IP (" + n + " bytes)";
        } catch (RuntimeException e) {
            return "malformed (" + n + " bytes)";
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

    private static String ipv4(byte[] b, int off, int n) {
        int ihl = (u8(b, off) & 15) * 4;
        int total = u16(b, off + 2);
        // 0 is what a sender doing TCP segmentation offload (and Linux's big TCP) leaves for the device to fill in:
        // the length is the frame's, as tcpdump presumes
        int tot = total == 0 ? n : Math.min(total, n);
        int proto = u8(b, off + 9);
        String src = Addr.toText(Family.IPV4, 0, u32(b, off + 12));
        String dst = Addr.toText(Family.IPV4, 0, u32(b, off + 16));
        if (ihl < 20 || tot < ihl) {
            return "IPv4 " + src + " > " + dst + (ihl < 20 ? " bad-hlen " + ihl : " bad-len " + total) + " | IPv4 id="
                + u16(b, off + 4) + " ttl=" + u8(b, off + 8);
        }
        int frag = u16(b, off + 6);
        int fragOff = (frag & 0x1fff) * 8;
        boolean mf = (frag & 0x2000) != 0;
        String tail = " | IPv4 id=" + u16(b, off + 4) + " ttl=" + u8(b, off + 8) + (total == 0 ? " length 0 (TSO)" : "");
        if (fragOff != 0 || mf) {
            String first = fragOff == 0 && tot - ihl >= 4 ? " first=[" + l4Name(proto) + " " + u16(b, off + ihl) + " > "
                + u16(b, off + ihl + 2) + "]" : "";
            return "IPv4-FRAG " + src + " > " + dst + " proto=" + proto + " id=" + u16(b, off + 4) + " off=" + fragOff
                + " len=" + (tot - ihl) + (mf ? " MF" : "") + first + " | IPv4 ttl=" + u8(b, off + 8);
        }
        return l4(b, off + ihl, tot - ihl, proto, src, dst, false) + tail;
    }

    private static String ipv6(byte[] b, int off, int n) {
        int plen = Math.min(u16(b, off + 4), n - 40);
        String src = Addr.toText(Family.IPV6, u64(b, off + 8), u64(b, off + 16));
        String dst = Addr.toText(Family.IPV6, u64(b, off + 24), u64(b, off + 32));
        int nh = u8(b, off + 6);
        int pos = off + 40;
        int end = off + 40 + plen;
        String tail = " | IPv6 hlim=" + u8(b, off + 7);
        for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 44 || nh == 60) && pos + 8 <= end; i++) {
            if (nh == 44) {
                int fo = u16(b, pos + 2);
                boolean m = (fo & 1) != 0;
                int foff = fo & ~7;
                int inner = u8(b, pos);
                String first = foff == 0 && end - pos - 8 >= 4 ? " first=[" + l4Name(inner) + " " + u16(b, pos + 8) + " > "
                    + u16(b, pos + 10) + "]" : "";
                return "IPv6-FRAG " + src + " > " + dst + " nh=" + inner + " fid=" + u32(b, pos + 4) + " off=" + foff
                    + " len=" + (end - pos - 8) + (m ? " M" : "") + first + tail;
            }
            int len = (u8(b, pos + 1) + 1) * 8;
            nh = u8(b, pos);
            pos += len;
        }
        return l4(b, pos, end - pos, nh, src, dst, true) + tail;
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

    private static String l4(byte[] b, int p, int len, int proto, String src, String dst, boolean v6) {
        String sep = v6 ? ":" : ":";
        if ((proto == 6 || proto == 17) && len >= (proto == 6 ? 20 : 8)) {
            String s = l4Name(proto) + " " + src + sep + u16(b, p) + " > " + dst + sep + u16(b, p + 2);
            if (proto == 17) {
                return s + " len=" + Math.max(0, len - 8);
            }
            int doff = (u8(b, p + 12) >>> 4) * 4;
            int flags = u8(b, p + 13);
            StringBuilder f = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if ((flags & (1 << i)) != 0) {
                    f.append(FLAG_LETTERS.charAt(i));
                }
            }
            int dlen = Math.max(0, len - doff);
            StringBuilder sb = new StringBuilder(s).append(" [").append(f.length() == 0 ? "none" : f).append("] seq=")
                .append(u32(b, p + 4)).append(" ack=").append(u32(b, p + 8)).append(" win=").append(u16(b, p + 14))
                .append(" len=").append(dlen);
            if (dlen > 0 && doff <= len) {
                sb.append(" data='").append(printable(b, p + doff, Math.min(dlen, DATA_SHOWN))).append('\'');
            }
            return sb.toString();
        }
        if (proto == 132 && len >= 12) {
            return sctp(b, p, len, src, dst);
        }
        if (proto == 1 && len >= 8) {
            int type = u8(b, p);
            String s = "ICMP " + src + " > " + dst + " type=" + type + " code=" + u8(b, p + 1);
            if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
                return s + inner(b, p + 8, len - 8);
            }
            return s + " id=" + u16(b, p + 4) + " seq=" + u16(b, p + 6);
        }
        if (proto == 58 && len >= 4) {
            int type = u8(b, p);
            String s = "ICMPv6 " + src + " > " + dst + " type=" + type + " code=" + u8(b, p + 1);
            if ((type == 128 || type == 129) && len >= 8) {
                return s + " id=" + u16(b, p + 4) + " seq=" + u16(b, p + 6);
            }
            return s;
        }
        return l4Name(proto) + " " + src + " > " + dst + " len=" + len;
    }

    /** The most chunks described; a longer list ends with "...". */
    private static final int CHUNKS_SHOWN = 16;
    private static final String[] CHUNK_NAMES = {"DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK",
        "ABORT", "SHUTDOWN", "SHUTDOWN_ACK", "ERROR", "COOKIE_ECHO", "COOKIE_ACK", "ECNE", "CWR", "SHUTDOWN_COMPLETE"};

    /**
     * {@code SCTP src:port > dst:port vtag=0x.. CHUNK,...}: DATA with its TSN and data length, INIT and INIT ACK
     * with the initiate tag and initial TSN, SACK and SHUTDOWN with the cumulative TSN ack.
     */
    private static String sctp(byte[] b, int p, int len, String src, String dst) {
        StringBuilder sb = new StringBuilder("SCTP ").append(src).append(':').append(u16(b, p)).append(" > ").append(dst)
            .append(':').append(u16(b, p + 2)).append(String.format(" vtag=0x%08x ", u32(b, p + 4)));
        int n = 0;
        for (int off = 12; off + 4 <= len; off += (u16(b, p + off + 2) + 3) & ~3) {
            if (n++ == CHUNKS_SHOWN) {
                sb.append("...,");
                break;
            }
            int type = u8(b, p + off);
            int clen = u16(b, p + off + 2);
            sb.append(type < CHUNK_NAMES.length ? CHUNK_NAMES[type] : "CHUNK" + type);
            // a field is shown only where the chunk's own length covers it
            if (type == 0 && clen >= 16 && off + 12 <= len) {
                sb.append("(tsn=").append(u32(b, p + off + 4)).append(" len=").append(clen - 16).append(')');
            } else if ((type == 1 || type == 2) && clen >= 20 && off + 20 <= len) {
                sb.append(String.format("(init_tag=0x%08x tsn=%d)", u32(b, p + off + 4), u32(b, p + off + 16)));
            } else if ((type == 3 || type == 7) && clen >= 8 && off + 8 <= len) {
                sb.append("(cum_tsn=").append(u32(b, p + off + 4)).append(')');
            }
            if (clen < 4) {
                sb.append("(len=").append(clen).append("),");
                break;
            }
            sb.append(',');
        }
        if (n == 0) {
            sb.append("no chunks,");
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    private static String inner(byte[] b, int p, int len) {
        if (len < 20 || (u8(b, p) >>> 4) != 4) {
            return "";
        }
        int ihl = (u8(b, p) & 15) * 4;
        int proto = u8(b, p + 9);
        String s = Addr.toText(Family.IPV4, 0, u32(b, p + 12));
        String d = Addr.toText(Family.IPV4, 0, u32(b, p + 16));
        if (len >= ihl + 4 && (proto == 6 || proto == 17)) {
            return " inner=[" + s + ":" + u16(b, p + ihl) + " > " + d + ":" + u16(b, p + ihl + 2) + " proto=" + proto + "]";
        }
        return " inner=[" + s + " > " + d + " proto=" + proto + "]";
    }

    private static String printable(byte[] b, int p, int n) {
        StringBuilder sb = new StringBuilder(n + 8);
        for (int i = 0; i < n; i++) {
            int c = b[p + i] & 0xff;
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\\' || c == '\'') {
                sb.append('\\').append((char) c);
            } else if (c >= 32 && c < 127) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
