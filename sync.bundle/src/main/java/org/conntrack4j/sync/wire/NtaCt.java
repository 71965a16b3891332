package org.conntrack4j.sync.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncTuple;

/**
 * The attributes of a connection message: conntrackd's {@code ct2msg} (build.c) and {@code msg2ct}
 * (parse.c) written against {@link SyncConnection}.
 *
 * <p>Byte order: big-endian, except the NAT ports ({@code SPAT_PORT}, {@code DPAT_PORT}) and the ICMP id,
 * which conntrackd converts twice (the library hands them over in network order and conntrackd applies
 * {@code htons} again): on the little-endian hosts conntrackd runs on (x86, arm64) they go out
 * little-endian, and that is what we send and expect.
 */
public final class NtaCt {
    private NtaCt() {
    }

    // enum nta_attr
    public static final int IPV4 = 0;
    public static final int IPV6 = 1;
    public static final int L4PROTO = 2;
    public static final int PORT = 3;
    public static final int TCP_STATE = 4;
    public static final int STATUS = 5;
    public static final int TIMEOUT = 6;
    public static final int MARK = 7;
    public static final int MASTER_IPV4 = 8;
    public static final int MASTER_IPV6 = 9;
    public static final int MASTER_L4PROTO = 10;
    public static final int MASTER_PORT = 11;
    public static final int SNAT_IPV4 = 12;
    public static final int DNAT_IPV4 = 13;
    public static final int SPAT_PORT = 14;
    public static final int DPAT_PORT = 15;
    public static final int NAT_SEQ_ADJ = 16;
    public static final int SCTP_STATE = 17;
    public static final int SCTP_VTAG_ORIG = 18;
    public static final int SCTP_VTAG_REPL = 19;
    public static final int DCCP_STATE = 20;
    public static final int DCCP_ROLE = 21;
    public static final int ICMP_TYPE = 22;
    public static final int ICMP_CODE = 23;
    public static final int ICMP_ID = 24;
    public static final int TCP_WSCALE_ORIG = 25;
    public static final int TCP_WSCALE_REPL = 26;
    public static final int HELPER_NAME = 27;
    public static final int LABELS = 28;
    public static final int SNAT_IPV6 = 29;
    public static final int DNAT_IPV6 = 30;
    public static final int SYNPROXY = 31;
    public static final int ZONE = 32;
    public static final int MAX = 33;

    /** Value sizes of the fixed-size attributes (-1: variable, see {@link #MAX_SIZE}). */
    static final int[] SIZE = new int[MAX];
    /** Largest attribute length (header included) of the variable ones, as parse.c's max_size. */
    static final int[] MAX_SIZE = new int[MAX];

    /** NFCT_HELPER_NAME_MAX: the helper attribute's whole length, header included, may not exceed it. */
    public static final int HELPER_NAME_MAX = 16;
    /** NTA_LABELS_MAX_SIZE words: 4096 bytes of labels, but parse.c admits an attribute of at most 1028 bytes. */
    public static final int LABELS_MAX_ATTR = 4 + 1024;

    static {
        int[][] fixed = {{IPV4, 8}, {IPV6, 32}, {L4PROTO, 1}, {PORT, 4}, {TCP_STATE, 1}, {STATUS, 4},
            {TIMEOUT, 4}, {MARK, 4}, {MASTER_IPV4, 8}, {MASTER_IPV6, 32}, {MASTER_L4PROTO, 1}, {MASTER_PORT, 4},
            {SNAT_IPV4, 4}, {DNAT_IPV4, 4}, {SPAT_PORT, 2}, {DPAT_PORT, 2}, {NAT_SEQ_ADJ, 24}, {SCTP_STATE, 1},
            {SCTP_VTAG_ORIG, 4}, {SCTP_VTAG_REPL, 4}, {DCCP_STATE, 1}, {DCCP_ROLE, 1}, {ICMP_TYPE, 1},
            {ICMP_CODE, 1}, {ICMP_ID, 2}, {TCP_WSCALE_ORIG, 1}, {TCP_WSCALE_REPL, 1}, {SNAT_IPV6, 16},
            {DNAT_IPV6, 16}, {SYNPROXY, 12}, {ZONE, 2}};
        for (int[] f : fixed) {
            SIZE[f[0]] = f[1];
        }
        SIZE[HELPER_NAME] = -1;
        SIZE[LABELS] = -1;
        MAX_SIZE[HELPER_NAME] = HELPER_NAME_MAX;
        MAX_SIZE[LABELS] = LABELS_MAX_ATTR;
    }

    /** What conntrackd's configuration changes in the attributes it builds. */
    public record Options(boolean tcpWindowTracking, boolean sendTimeout) {
        /** TCPWindowTracking off, no CommitTimeout: conntrackd's defaults. */
        public static final Options DEFAULT = new Options(false, true);
    }

    /**
     * Appends the attributes of {@code c} in ct2msg's order.
     *
     * @return false when they did not fit into one message
     */
    public static boolean encode(SyncConnection c, Options o, MessageBuilder m) {
        SyncTuple t = c.orig();
        m.bytes(t.isIpv6() ? IPV6 : IPV4, t.src().getAddress(), t.dst().getAddress());
        m.u32(STATUS, c.status());
        m.u8(L4PROTO, t.protonum());
        switch (t.protonum()) {
            case 6 -> {
                m.ports(PORT, t.srcPort(), t.dstPort());
                if (c.tcp() != null) {
                    m.u8(TCP_STATE, c.tcp().state());
                    if (o.tcpWindowTracking()) {
                        m.u8(TCP_WSCALE_ORIG, orZero(c.tcp().wscaleOrig()));
                        m.u8(TCP_WSCALE_REPL, orZero(c.tcp().wscaleReply()));
                    }
                }
            }
            case 132 -> {
                m.ports(PORT, t.srcPort(), t.dstPort());
                if (c.sctp() != null) {
                    m.u8(SCTP_STATE, c.sctp().state());
                    m.u32(SCTP_VTAG_ORIG, c.sctp().vtagOrig());
                    m.u32(SCTP_VTAG_REPL, c.sctp().vtagReply());
                }
            }
            case 33 -> {
                m.ports(PORT, t.srcPort(), t.dstPort());
                if (c.dccp() != null) {
                    m.u8(DCCP_STATE, c.dccp().state());
                    m.u8(DCCP_ROLE, c.dccp().role());
                }
            }
            case 1, 58 -> {
                m.u8(ICMP_TYPE, t.icmpType());
                m.u8(ICMP_CODE, t.icmpCode());
                m.u16le(ICMP_ID, t.srcPort());
            }
            case 17 -> m.ports(PORT, t.srcPort(), t.dstPort());
            default -> {
                // conntrackd has no builder for other protocols (UDP-Lite, GRE, ...): addresses only
            }
        }
        if (o.sendTimeout() && c.timeout() != null) {
            m.u32(TIMEOUT, c.timeout());
        }
        if (c.mark() != null) {
            m.u32(MARK, c.mark());
        }
        SyncTuple master = c.master();
        if (master != null) {
            m.bytes(master.isIpv6() ? MASTER_IPV6 : MASTER_IPV4, master.src().getAddress(),
                    master.dst().getAddress());
            m.u8(MASTER_L4PROTO, master.protonum());
            if (c.masterHasPorts()) {
                m.ports(MASTER_PORT, master.srcPort(), master.dstPort());
            }
        }
        if (c.snatAddress() != null) {
            m.bytes(c.snatAddress() instanceof Inet6Address ? SNAT_IPV6 : SNAT_IPV4, c.snatAddress().getAddress());
        }
        if (c.dnatAddress() != null) {
            m.bytes(c.dnatAddress() instanceof Inet6Address ? DNAT_IPV6 : DNAT_IPV4, c.dnatAddress().getAddress());
        }
        if (c.snatPort() != null) {
            m.u16le(SPAT_PORT, c.snatPort());
        }
        if (c.dnatPort() != null) {
            m.u16le(DPAT_PORT, c.dnatPort());
        }
        SyncConnection.SeqAdj s = c.seqAdj();
        if (s != null) {
            m.u32s(NAT_SEQ_ADJ, s.origCorrectionPos(), s.origOffsetBefore(), s.origOffsetAfter(),
                    s.replyCorrectionPos(), s.replyOffsetBefore(), s.replyOffsetAfter());
        }
        if (c.helper() != null) {
            m.string(HELPER_NAME, c.helper());
        }
        if (c.labels() != null && c.labels().any()) {
            long[] w = new long[c.labels().wordCount()];
            for (int i = 0; i < w.length; i++) {
                w[i] = c.labels().word(i) & 0xffffffffL;
            }
            m.u32s(LABELS, w);
        }
        if (c.synproxy() != null) {
            m.u32s(SYNPROXY, c.synproxy().its(), c.synproxy().isn(), c.synproxy().tsoff());
        }
        if (c.zone() != null) {
            m.u16(ZONE, c.zone());
        }
        return !m.overflow();
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }

    /**
     * Reads the attributes of a connection message (msg2ct), with its checks: an attribute longer than what
     * is left, shorter than its header, of an unknown type, of the wrong size or over its maximum makes the
     * whole message malformed.
     *
     * @param b the buffer
     * @param off where the message (its header) starts
     * @param len the message length from its header (already checked against the datagram)
     * @return the connection, or null when the payload is malformed (or names no address: conntrackd would
     *     cache a connection without a tuple; we do not)
     */
    public static SyncConnection decode(byte[] b, int off, int len) {
        byte[] src = null;
        byte[] dst = null;
        int proto = 0;
        int sport = 0;
        int dport = 0;
        SyncConnection.Builder x = new SyncConnection.Builder();
        Integer tcpState = null;
        Integer wsOrig = null;
        Integer wsRepl = null;
        Integer sctpState = null;
        long vtagOrig = 0;
        long vtagRepl = 0;
        Integer dccpState = null;
        int dccpRole = 0;
        byte[] msrc = null;
        byte[] mdst = null;
        int mproto = 0;
        int msport = 0;
        int mdport = 0;
        int rem = len - Wire.HEADER_SIZE;
        int p = off + Wire.HEADER_SIZE;
        while (rem > 4) {
            int alen = Wire.u16(b, p);
            int type = Wire.u16(b, p + 2);
            if (alen > rem || alen < 4 || type >= MAX) {
                return null;
            }
            int size = SIZE[type];
            if (size >= 0 && alen != 4 + size) {
                return null;
            }
            if (size < 0 && alen > MAX_SIZE[type]) {
                return null;
            }
            int v = p + 4;
            switch (type) {
                case IPV4 -> {
                    src = slice(b, v, 4);
                    dst = slice(b, v + 4, 4);
                }
                case IPV6 -> {
                    src = slice(b, v, 16);
                    dst = slice(b, v + 16, 16);
                }
                case L4PROTO -> proto = b[v] & 0xff;
                case PORT -> {
                    sport = Wire.u16(b, v);
                    dport = Wire.u16(b, v + 2);
                }
                case TCP_STATE -> tcpState = b[v] & 0xff;
                case STATUS -> x.status(Wire.u32(b, v));
                case TIMEOUT -> x.timeout(Wire.u32(b, v));
                case MARK -> x.mark(Wire.u32(b, v));
                case MASTER_IPV4 -> {
                    msrc = slice(b, v, 4);
                    mdst = slice(b, v + 4, 4);
                }
                case MASTER_IPV6 -> {
                    msrc = slice(b, v, 16);
                    mdst = slice(b, v + 16, 16);
                }
                case MASTER_L4PROTO -> mproto = b[v] & 0xff;
                case MASTER_PORT -> {
                    msport = Wire.u16(b, v);
                    mdport = Wire.u16(b, v + 2);
                }
                case SNAT_IPV4, SNAT_IPV6 -> x.snatAddress(address(slice(b, v, size)));
                case DNAT_IPV4, DNAT_IPV6 -> x.dnatAddress(address(slice(b, v, size)));
                case SPAT_PORT -> x.snatPort(Wire.u16le(b, v));
                case DPAT_PORT -> x.dnatPort(Wire.u16le(b, v));
                case NAT_SEQ_ADJ -> x.seqAdj(new SyncConnection.SeqAdj(Wire.u32(b, v), Wire.u32(b, v + 4),
                        Wire.u32(b, v + 8), Wire.u32(b, v + 12), Wire.u32(b, v + 16), Wire.u32(b, v + 20)));
                case SCTP_STATE -> sctpState = b[v] & 0xff;
                case SCTP_VTAG_ORIG -> vtagOrig = Wire.u32(b, v);
                case SCTP_VTAG_REPL -> vtagRepl = Wire.u32(b, v);
                case DCCP_STATE -> dccpState = b[v] & 0xff;
                case DCCP_ROLE -> dccpRole = b[v] & 0xff;
                // ICMP's fields live in the tuple's two protocol fields, as in Linux
                case ICMP_TYPE -> dport = (b[v] & 0xff) << 8 | dport & 0xff;
                case ICMP_CODE -> dport = dport & 0xff00 | b[v] & 0xff;
                case ICMP_ID -> sport = Wire.u16le(b, v);
                case TCP_WSCALE_ORIG -> wsOrig = b[v] & 0xff;
                case TCP_WSCALE_REPL -> wsRepl = b[v] & 0xff;
                case HELPER_NAME -> x.helper(cString(b, v, alen - 4));
                case LABELS -> {
                    int n = (alen - 4) / 4;
                    // parse.c ignores an empty or ragged label attribute (the message stays good)
                    if (n > 0 && (alen - 4) % 4 == 0) {
                        int[] w = new int[n];
                        for (int i = 0; i < n; i++) {
                            w[i] = Wire.s32(b, v + 4 * i);
                        }
                        x.labels(new SyncConnection.Labels(w));
                    }
                }
                case SYNPROXY -> x.synproxy(new SyncConnection.Synproxy(Wire.u32(b, v + 4), Wire.u32(b, v),
                        Wire.u32(b, v + 8)));
                case ZONE -> x.zone(Wire.u16(b, v));
                default -> throw new AssertionError(type);
            }
            int step = Wire.align(alen);
            rem -= step;
            p += step;
        }
        if (src == null) {
            return null;
        }
        if (tcpState != null) {
            x.tcp(new SyncConnection.Tcp(tcpState, wsOrig, wsRepl));
        }
        if (sctpState != null) {
            x.sctp(new SyncConnection.Sctp(sctpState, vtagOrig, vtagRepl));
        }
        if (dccpState != null) {
            x.dccp(new SyncConnection.Dccp(dccpState, dccpRole));
        }
        if (msrc != null) {
            x.master(new SyncTuple(address(msrc), address(mdst), mproto, msport, mdport));
        }
        return x.orig(new SyncTuple(address(src), address(dst), proto, sport, dport)).build();
    }

    static byte[] slice(byte[] b, int off, int n) {
        byte[] r = new byte[n];
        System.arraycopy(b, off, r, 0, n);
        return r;
    }

    static InetAddress address(byte[] a) {
        try {
            InetAddress r = InetAddress.getByAddress(a);
            // a v4-mapped IPv6 address must stay IPv6: getByAddress would hand back an Inet4Address
            if (a.length == 16 && r instanceof Inet4Address) {
                return Inet6Address.getByAddress(null, a, -1);
            }
            return r;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A C string: up to the first NUL within {@code n} bytes. */
    static String cString(byte[] b, int off, int n) {
        int end = off;
        while (end < off + n && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }
}
