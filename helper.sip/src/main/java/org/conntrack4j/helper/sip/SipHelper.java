package org.conntrack4j.helper.sip;

import static org.conntrack4j.helper.sip.SipText.CONTACT;
import static org.conntrack4j.helper.sip.SipText.CSEQ;
import static org.conntrack4j.helper.sip.SipText.EXPIRES;
import static org.conntrack4j.helper.sip.SipText.SDP_MEDIA;
import static org.conntrack4j.helper.sip.SipText.SDP_VERSION;
import static org.conntrack4j.helper.sip.SipText.VIA_UDP;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * The SIP helper over UDP ({@code nf_conntrack_sip.c}), IPv4 and IPv6; {@link SipTcpHelper} is the same over TCP.
 * Every datagram (segment with data) of a helped connection refreshes it to {@code sip_timeout}; a request or
 * response is read as Linux reads it ({@link SipText}) and acted on by method:
 * <pre>
 *   request   INVITE            media expectations of its SDP (the previous ones flushed); its CSeq noted
 *             UPDATE, ACK, PRACK media expectations of its SDP
 *             BYE               the media expectations flushed
 *             REGISTER          an inactive, permanent expectation of calls from the registrar to the Contact
 *   response  to INVITE, UPDATE, PRACK   1xx/2xx: media expectations of its SDP; else, to the noted INVITE, flush
 *             to REGISTER (the noted CSeq)  2xx: the Contact's expectation activated for its expiry; else, or
 *                                          expiry 0, the registration expectation removed
 * </pre>
 * Media expectations are RTP (even port) and RTCP (the next one) of each {@code m=audio}, {@code video} and
 * {@code image} line, at most three lines; with {@code sip_direct_media} only for the sender's own address and only
 * from its peer. Behind NAT the message is rewritten ({@link SipNat}).
 *
 * <p>A message Linux cannot read in a way it needs (no CSeq in a request it handles, a bad Contact or media port)
 * is dropped, with the kernel's log text as the packet's reason ({@code nf_ct_sip: dropping packet: ...}) and a
 * counter ({@link #counters()}); anything else it does not know passes unread.
 *
 * <p>Per-connection data ({@link SipMaster}) is guarded by the connection's monitor, held for the reading of a
 * message. NAT is looked up per message: either bundle starts without the other.
 */
@Component(service = Helper.class)
@HelperService(name = "sip")
public class SipHelper implements Helper {
    /** Module parameter: how long a signalling connection lives after its last datagram. */
    static final SettingKey SIP_TIMEOUT = SettingKey.seconds("nf_conntrack_sip.sip_timeout", 3600,
        "timeout for the master SIP session (module parameter sip_timeout)");
    /** Module parameter: media expected only between the signalling endpoints. */
    static final SettingKey DIRECT_MEDIA = SettingKey.of("nf_conntrack_sip.sip_direct_media", 1, 0, 1,
        "expect media streams between signalling endpoints only (module parameter sip_direct_media)");
    /** Module parameter: incoming calls expected from the registrar only. */
    static final SettingKey DIRECT_SIGNALLING = SettingKey.of("nf_conntrack_sip.sip_direct_signalling", 1, 0, 1,
        "expect incoming calls from the registrar only (module parameter sip_direct_signalling)");
    private static final List<SettingKey> SETTINGS = List.of(SIP_TIMEOUT, DIRECT_MEDIA, DIRECT_SIGNALLING);

    static final String LOG_PREFIX = "nf_ct_sip: dropping packet: ";

    // expectation classes (enum sip_expectation_classes)
    static final int SIGNALLING = 0;
    static final int AUDIO = 1;
    static final int VIDEO = 2;
    static final int IMAGE = 3;

    /** Per class: one registration; RTP and RTCP both ways for audio and video; T.38 one each way; 3 minutes. */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("signalling", 1, 180),
        new ExpectPolicy("audio", 4, 180), new ExpectPolicy("video", 4, 180), new ExpectPolicy("image", 2, 180));

    /** The SDP media types read, with their classes; at most this many media lines are acted on per message. */
    private static final byte[][] MEDIA_TYPES = {SipText.bytes("audio "), SipText.bytes("video "),
        SipText.bytes("image ")};
    private static final int[] MEDIA_CLASSES = {AUDIO, VIDEO, IMAGE};

    // the methods handled (sip_handlers), in Linux's order
    private static final int INVITE = 0;
    private static final int UPDATE = 1;
    private static final int ACK = 2;
    private static final int PRACK = 3;
    private static final int BYE = 4;
    private static final int REGISTER = 5;
    private static final byte[][] METHODS = {SipText.bytes("INVITE"), SipText.bytes("UPDATE"), SipText.bytes("ACK"),
        SipText.bytes("PRACK"), SipText.bytes("BYE"), SipText.bytes("REGISTER")};
    private static final boolean[] HAS_RESPONSE = {true, true, false, true, false, true};
    private static final byte[] EXPIRES_PARAM = SipText.bytes("expires=");
    /** The shortest message read: a status line. */
    private static final int MIN_LENGTH = "SIP/2.0 200".length();
    private static final int UDP_HEADER = 8;
    private static final int TCP_HEADER = 20;

    final SipCounters counters = new SipCounters();
    /** IpProto.UDP or TCP: one helper per protocol, as Linux registers sip/udp and sip/tcp. */
    private final int proto;

    /** The UDP helper. */
    public SipHelper() {
        this(IpProto.UDP);
    }

    SipHelper(int proto) {
        this.proto = proto;
    }

    @Override
    public String name() {
        return "sip";
    }

    @Override
    public int protocol() {
        return proto;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return POLICIES;
    }

    @Override
    public List<SettingKey> settings() {
        return SETTINGS;
    }

    @Override
    public Object newData(Connection ct) {
        return new SipMaster();
    }

    /** What the helper dropped, by why. */
    public Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        int dataoff;
        if (proto == IpProto.TCP) {
            // sip_help_tcp: only established segments with data are read
            if (ctinfo != CtInfo.ESTABLISHED && ctinfo != CtInfo.ESTABLISHED_REPLY
                || pkt.length() < protoff + TCP_HEADER) {
                return Verdict.ACCEPT;
            }
            dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        } else {
            dataoff = protoff + UDP_HEADER;
        }
        if (dataoff >= pkt.length()) {
            return Verdict.ACCEPT;
        }
        net.packets().refresh(ct, net.settings().get(SIP_TIMEOUT) * net.clock().hz());
        if (pkt.length() - dataoff < MIN_LENGTH) {
            return Verdict.ACCEPT;
        }
        synchronized (ct) {
            // null once the helper has been detached from the connection (its bundle left)
            Object data = ct.helperData();
            if (!(data instanceof SipMaster)) {
                return Verdict.ACCEPT;
            }
            SipMsg m = ((SipMaster) data).msg.load(pkt, ct.family(), ct.protocol(), dataoff);
            m.net = net;
            m.ct = ct;
            m.ctinfo = ctinfo;
            m.dir = CtInfo.direction(ctinfo);
            m.protoff = protoff;
            m.info = (SipMaster) data;
            m.nat = ct.hasStatus(Status.NAT_MASK) ? net.services().extension(Nat.class) : null;
            try {
                return proto == IpProto.TCP ? processSegment(m) : processMsg(m);
            } finally {
                m.clear();
            }
        }
    }

    /**
     * {@code sip_help_tcp}'s loop: the segment's messages one after the other, each ended by its Content-Length
     * after the blank line that ends its headers. Reading stops at the first message without a readable
     * Content-Length or blank line (the rest passes unread); a message continuing in a later segment lets the
     * segment pass without anything recorded, as Linux does. Behind NAT the messages are rewritten one by one and
     * the segment's total length change is recorded once for sequence adjustment.
     */
    private int processSegment(SipMsg m) {
        int dataoff = m.dataoff;
        int datalen = m.len;
        int tdiff = 0;
        int ret = Verdict.ACCEPT;
        while (true) {
            m.view(dataoff, datalen);
            if (SipText.getHeader(m, 0, SipText.CONTENT_LENGTH) <= 0) {
                break;
            }
            long clen = SipText.strtoul(m, m.matchOff, 10);
            if (m.end == m.matchOff || Long.compareUnsigned(clen, datalen) > 0) {
                break;
            }
            int end = blankLine(m, m.end);
            if (end < 0) {
                break;
            }
            long msglen = end + 4 + clen;
            if (msglen > datalen) {
                return Verdict.ACCEPT;
            }
            int origlen = (int) msglen;
            m.view(dataoff, origlen);
            ret = processMsg(m);
            if (ret != Verdict.ACCEPT) {
                break;
            }
            int diff = m.len - origlen;
            // Linux adds the changes up in a 16-bit signed integer
            tdiff = (short) (tdiff + diff);
            dataoff += m.len;
            datalen = datalen + diff - m.len;
        }
        if (ret == Verdict.ACCEPT && m.ct.hasStatus(Status.NAT_MASK)) {
            Nat nat = m.net.services().extension(Nat.class);
            if (nat != null) {
                nat.seqAdjust(m.pkt, m.ct, m.ctinfo, m.protoff, tdiff);
            }
        }
        return ret;
    }

    /** Where the first CR LF CR LF at or after {@code from} starts, or -1. */
    private static int blankLine(SipMsg m, int from) {
        for (int i = from; i + 4 <= m.len; i++) {
            if (m.at(i) == '\r' && m.at(i + 1) == '\n' && m.at(i + 2) == '\r' && m.at(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** {@code process_sip_msg}: the request or response, then NAT's rewriting of its headers. */
    private int processMsg(SipMsg m) {
        int ret = SipText.startsWithIgnoreCase(m, 0, SipText.RESPONSE) ? processResponse(m) : processRequest(m);
        if (ret == Verdict.ACCEPT && m.nat != null && !SipNat.message(m, counters)) {
            if (m.pkt.reason == null) {
                m.pkt.reason = LOG_PREFIX + "cannot NAT SIP message";
            }
            ret = Verdict.DROP;
        }
        return ret;
    }

    private int drop(SipMsg m, String why, java.util.concurrent.atomic.LongAdder counter) {
        m.pkt.reason = LOG_PREFIX + why;
        counter.increment();
        return Verdict.DROP;
    }

    /** The CSeq number to {@link SipMsg#value}; false (and the reason set) if there is none. */
    private boolean readCseq(SipMsg m) {
        if (SipText.getHeader(m, 0, CSEQ) <= 0) {
            drop(m, "cannot parse cseq", counters.badMessage);
            return false;
        }
        // a CSeq of 0 is read as such (getHeader made sure there are digits)
        m.value = SipText.strtouint(m, m.matchOff, 10);
        return true;
    }

    private int processRequest(SipMsg m) {
        Connection ct = m.ct;
        int dir = m.dir;
        // a phone sending from another port than it listens on (its Via): NAT sends the replies there
        if (SipText.parseHeaderUri(m, false, VIA_UDP) > 0 && m.port != ct.srcPort(dir)
            && m.addrHi == ct.srcHi(dir) && m.addrLo == ct.srcLo(dir)) {
            m.info.forcedDport = m.port;
        }
        for (int h = 0; h < METHODS.length; h++) {
            if (m.len < METHODS[h].length || !SipText.startsWithIgnoreCase(m, 0, METHODS[h])) {
                continue;
            }
            if (!readCseq(m)) {
                return Verdict.DROP;
            }
            long cseq = m.value;
            switch (h) {
                case INVITE:
                    flushExpectations(m, true);
                    int ret = processSdp(m);
                    if (ret == Verdict.ACCEPT) {
                        m.info.inviteCseq = cseq;
                    }
                    return ret;
                case BYE:
                    flushExpectations(m, true);
                    return Verdict.ACCEPT;
                case REGISTER:
                    return processRegisterRequest(m, cseq);
                default:
                    return processSdp(m);
            }
        }
        return Verdict.ACCEPT;
    }

    private int processResponse(SipMsg m) {
        // over UDP the datagram was long enough; a later message of a TCP segment may not be
        if (m.len < MIN_LENGTH) {
            return Verdict.ACCEPT;
        }
        long code = SipText.strtouint(m, SipText.RESPONSE.length, 10);
        if (code == 0) {
            return drop(m, "cannot get code", counters.badMessage);
        }
        if (!readCseq(m)) {
            return Verdict.DROP;
        }
        long cseq = m.value;
        int matchend = m.matchOff + m.matchLen + 1;
        for (int h = 0; h < METHODS.length; h++) {
            if (!HAS_RESPONSE[h] || m.len < matchend + METHODS[h].length
                || !SipText.startsWithIgnoreCase(m, matchend, METHODS[h])) {
                continue;
            }
            if (h == REGISTER) {
                return processRegisterResponse(m, cseq, code);
            }
            if (code >= 100 && code <= 299) {
                return processSdp(m);
            }
            if (m.info.inviteCseq == cseq) {
                flushExpectations(m, true);
            }
            return Verdict.ACCEPT;
        }
        return Verdict.ACCEPT;
    }

    // ---- expectations of the connection ------------------------------------------------------------------------

    /**
     * {@code flush_expectations}: removes the connection's media expectations, or its one registration
     * expectation ({@code media} false). Expired ones are left to expire.
     */
    private static void flushExpectations(SipMsg m, boolean media) {
        long now = m.net.now();
        for (Expectation e : m.net.services().expectations(m.ct)) {
            if ((e.expectClass() != SIGNALLING) != media || e.deadline() - now <= 0) {
                continue;
            }
            m.net.table().deleteExpectations(x -> x == e);
            if (!media) {
                break;
            }
        }
    }

    /**
     * {@code refresh_signalling_expectation}: activates the connection's registration expectation for
     * {@code addr:port} and gives it {@code expires} seconds. Returns whether there was one.
     */
    private static boolean refreshSignalling(SipMsg m, long hi, long lo, int proto, int port, long expires) {
        for (Expectation e : m.net.services().expectations(m.ct)) {
            Tuple t = e.tuple();
            if (e.expectClass() != SIGNALLING || t.dstHi != hi || t.dstLo != lo || t.proto != proto
                || t.dstPort != port) {
                continue;
            }
            // Linux multiplies in C's unsigned int
            long jiffies = expires * m.net.clock().hz() & 0xffffffffL;
            if (m.net.services().refreshExpectation(e, jiffies, Expectation.FLAG_INACTIVE)) {
                return true;
            }
        }
        return false;
    }

    // ---- registrations ------------------------------------------------------------------------------------------

    /**
     * {@code process_register_request}: a REGISTER of the sender's own Contact expects calls from the registrar
     * (any port with {@code sip_direct_signalling}, else from anywhere) to it, inactive until the registrar
     * accepts. An expiry of 0 (Expires header, or the Contact's {@code expires=}) expects nothing. Third-party
     * registrations and expected connections are ignored.
     */
    private int processRegisterRequest(SipMsg m, long cseq) {
        Connection ct = m.ct;
        int dir = m.dir;
        if (ct.hasStatus(Status.EXPECTED)) {
            return Verdict.ACCEPT;
        }
        long expires = 0;
        if (SipText.getHeader(m, 0, EXPIRES) > 0) {
            expires = SipText.strtouint(m, m.matchOff, 10);
        }
        int r = SipText.parseHeaderUri(m, false, CONTACT);
        if (r < 0) {
            return drop(m, "cannot parse contact", counters.badBody);
        }
        if (r == 0) {
            return Verdict.ACCEPT;
        }
        long hi = m.addrHi;
        long lo = m.addrLo;
        int port = m.port;
        int contactOff = m.matchOff;
        int contactLen = m.matchLen;
        if (hi != ct.srcHi(dir) || lo != ct.srcLo(dir)) {
            return Verdict.ACCEPT;
        }
        int proto = SipText.parseTransport(m, contactOff + contactLen);
        if (proto == 0) {
            return Verdict.ACCEPT;
        }
        int pr = SipText.parseNumericalParam(m, contactOff + contactLen, EXPIRES_PARAM);
        if (pr < 0) {
            return drop(m, "cannot parse expires", counters.badBody);
        }
        if (pr > 0) {
            expires = m.value;
        }
        int ret = Verdict.ACCEPT;
        if (expires != 0) {
            long[] from = m.net.settings().get(DIRECT_SIGNALLING) != 0
                ? new long[] {ct.srcHi(dir ^ 1), ct.srcLo(dir ^ 1)} : null;
            ExpectationRequest exp = new ExpectationRequest(ct).init(SIGNALLING, ct.family(), from,
                new long[] {hi, lo}, proto, -1, port).flags(Expectation.FLAG_PERMANENT | Expectation.FLAG_INACTIVE)
                .assignHelper(this);
            if (m.nat != null) {
                ret = SipNat.expect(m, exp, contactOff, contactLen, counters);
            } else if (m.net.services().expectRelated(exp) != 0) {
                ret = drop(m, "cannot add expectation", counters.expectFailed);
            }
        }
        if (ret == Verdict.ACCEPT) {
            m.info.registerCseq = cseq;
        }
        return ret;
    }

    /**
     * {@code process_register_response}: the response to the noted REGISTER. A 2xx activates the expectation of
     * the first Contact (of the receiver's address, the right transport, a non-zero expiry) that has one; a final
     * failure, an expiry of 0 or no such Contact removes it.
     */
    private int processRegisterResponse(SipMsg m, long cseq, long code) {
        Connection ct = m.ct;
        int dir = m.dir;
        if (m.info.registerCseq != cseq) {
            return Verdict.ACCEPT;
        }
        if (code >= 100 && code <= 199) {
            return Verdict.ACCEPT;
        }
        if (code >= 200 && code <= 299) {
            long expires = 0;
            if (SipText.getHeader(m, 0, EXPIRES) > 0) {
                expires = SipText.strtouint(m, m.matchOff, 10);
            }
            m.coff = 0;
            m.inHeader = false;
            while (true) {
                long cExpires = expires;
                int r = SipText.parseHeaderUri(m, true, CONTACT);
                if (r < 0) {
                    return drop(m, "cannot parse contact", counters.badBody);
                }
                if (r == 0) {
                    break;
                }
                if (m.addrHi != ct.dstHi(dir) || m.addrLo != ct.dstLo(dir)) {
                    continue;
                }
                long hi = m.addrHi;
                long lo = m.addrLo;
                int port = m.port;
                int after = m.matchOff + m.matchLen;
                int proto = SipText.parseTransport(m, after);
                if (proto == 0) {
                    continue;
                }
                int pr = SipText.parseNumericalParam(m, after, EXPIRES_PARAM);
                if (pr < 0) {
                    return drop(m, "cannot parse expires", counters.badBody);
                }
                if (pr > 0) {
                    cExpires = m.value;
                }
                if (cExpires == 0) {
                    break;
                }
                if (refreshSignalling(m, hi, lo, proto, port, cExpires)) {
                    return Verdict.ACCEPT;
                }
            }
        }
        flushExpectations(m, false);
        return Verdict.ACCEPT;
    }

    // ---- SDP ------------------------------------------------------------------------------------------------------

    /**
     * {@code process_sdp}: expectations for the media lines of the body (the line's own {@code c=}, else the
     * session's), then behind NAT the session's {@code o=} and {@code c=} rewritten to the last media address.
     */
    private int processSdp(SipMsg m) {
        if (SipText.getSdpHeader(m, 0, SDP_VERSION, null) <= 0) {
            return Verdict.ACCEPT;
        }
        int sdpoff = m.matchOff;
        SipText.Hdr conn = SipText.sdpConnection(m.family);
        boolean haveCaddr = false;
        long cHi = 0;
        long cLo = 0;
        if (SipText.parseSdpAddr(m, sdpoff, conn, SDP_MEDIA) > 0) {
            haveCaddr = true;
            cHi = m.addrHi;
            cLo = m.addrLo;
        }
        boolean haveRtpAddr = false;
        int mediaoff = sdpoff;
        for (int handled = 0; handled < MEDIA_TYPES.length; ) {
            if (SipText.getSdpHeader(m, mediaoff, SDP_MEDIA, null) <= 0) {
                break;
            }
            mediaoff = m.matchOff;
            int medialen = m.matchLen;
            int t = mediaType(m, mediaoff, medialen);
            if (t < 0) {
                mediaoff += medialen;
                continue;
            }
            mediaoff += MEDIA_TYPES[t].length;
            medialen -= MEDIA_TYPES[t].length;
            long port = SipText.port(m, mediaoff);
            if (port == 0) {
                // an inactive stream
                continue;
            }
            if (port < 1024 || port > 65535) {
                return drop(m, "wrong port " + port, counters.badPort);
            }
            boolean haveMaddr = false;
            if (SipText.parseSdpAddr(m, mediaoff, conn, SDP_MEDIA) > 0) {
                haveMaddr = true;
                m.rtpHi = m.addrHi;
                m.rtpLo = m.addrLo;
            } else if (haveCaddr) {
                m.rtpHi = cHi;
                m.rtpLo = cLo;
            } else {
                return drop(m, "cannot parse SDP message", counters.badBody);
            }
            haveRtpAddr = true;
            int ret = expectRtpRtcp(m, (int) port, MEDIA_CLASSES[t], mediaoff, medialen);
            if (ret != Verdict.ACCEPT) {
                if (m.pkt.reason == null) {
                    m.pkt.reason = LOG_PREFIX + "cannot add expectation for voice";
                }
                return ret;
            }
            if (haveMaddr && m.nat != null && !SipNat.sdpAddr(m, mediaoff, conn, SDP_MEDIA, m.rtpHi, m.rtpLo,
                counters)) {
                m.pkt.reason = LOG_PREFIX + "cannot mangle SDP";
                return Verdict.DROP;
            }
            handled++;
        }
        // Linux rewrites the session with whatever media address it last saw; with none there is nothing to write
        if (m.nat != null && haveRtpAddr && !SipNat.sdpSession(m, sdpoff, m.rtpHi, m.rtpLo, counters)) {
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }

    /** {@code sdp_media_type}: the index of the media line's type, or -1. */
    private static int mediaType(SipMsg m, int off, int len) {
        for (int i = 0; i < MEDIA_TYPES.length; i++) {
            if (len >= MEDIA_TYPES[i].length && startsWithExact(m, off, MEDIA_TYPES[i])) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWithExact(SipMsg m, int off, byte[] s) {
        for (int k = 0; k < s.length; k++) {
            if (m.peek(off + k) != s[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code set_expected_rtp_rtcp}: expects RTP and RTCP to the media address {@link SipMsg#rtpHi}/{@code rtpLo}
     * at {@code port} (made even) and the next one. Nothing when another connection of this helper already expects
     * the same media (a call seen twice), except behind NAT where that expectation's real destination is used
     * ("direct RTP").
     */
    private int expectRtpRtcp(SipMsg m, int port, int cls, int mediaoff, int medialen) {
        Connection ct = m.ct;
        int dir = m.dir;
        long[] from = null;
        if (m.net.settings().get(DIRECT_MEDIA) != 0) {
            if (m.rtpHi != ct.srcHi(dir) || m.rtpLo != ct.srcLo(dir)) {
                return Verdict.ACCEPT;
            }
            from = new long[] {ct.srcHi(dir ^ 1), ct.srcLo(dir ^ 1)};
        }
        Tuple t = m.tuple;
        t.clear();
        t.family = ct.family();
        t.proto = IpProto.UDP;
        if (from != null) {
            t.srcHi = from[0];
            t.srcLo = from[1];
        }
        t.dstHi = m.rtpHi;
        t.dstLo = m.rtpLo;
        t.dstPort = port;
        boolean direct = false;
        boolean skip = false;
        do {
            Expectation e = m.net.services().findExpectation(t, ct.zone());
            if (e == null || e.master() == ct || e.master().helper() != ct.helper() || e.expectClass() != cls) {
                break;
            }
            Tuple et = e.tuple();
            if (ct.family() == org.conntrack4j.core.api.Family.IPV4 && !direct
                && (e.savedAddrLo() != et.dstLo || e.savedProto() != et.dstPort) && ct.hasStatus(Status.NAT_MASK)) {
                m.rtpHi = e.savedAddrHi();
                m.rtpLo = e.savedAddrLo();
                t.dstHi = m.rtpHi;
                t.dstLo = m.rtpLo;
                t.dstPort = e.savedProto();
                direct = true;
            } else {
                skip = true;
            }
        } while (!skip);
        int rtpPort = t.dstPort & ~1;
        if (direct && m.nat != null && !SipNat.sdpPort(m, mediaoff, medialen, rtpPort, counters)) {
            return Verdict.DROP;
        }
        if (skip) {
            return Verdict.ACCEPT;
        }
        long[] to = {m.rtpHi, m.rtpLo};
        ExpectationRequest rtp = new ExpectationRequest(ct).init(cls, ct.family(), from, to, IpProto.UDP, -1, rtpPort);
        ExpectationRequest rtcp = new ExpectationRequest(ct).init(cls, ct.family(), from, to, IpProto.UDP, -1,
            rtpPort + 1);
        if (m.nat != null && !direct) {
            return SipNat.sdpMedia(m, rtp, rtcp, mediaoff, medialen, counters);
        }
        // an identical expectation of another connection counts as made (the same media in two calls)
        PluginServices s = m.net.services();
        int errp = s.expectRelated(rtp);
        if (errp == 0 || errp == PluginServices.EXPECT_EXISTS) {
            int errc = s.expectRelated(rtcp);
            if (errc == 0 || errc == PluginServices.EXPECT_EXISTS) {
                return Verdict.ACCEPT;
            }
            if (errp == 0) {
                s.unexpectRelated(rtp);
            }
        }
        counters.expectFailed.increment();
        return Verdict.DROP;
    }

    @Override
    public String toString() {
        return "SipHelper";
    }
}
