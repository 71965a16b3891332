package org.conntrack4j.helper.sip;

import static org.conntrack4j.helper.sip.SipHelper.LOG_PREFIX;

import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;

/**
 * The NAT half of the SIP helper ({@code nf_nat_sip.c}), used when the signalling connection is translated. An
 * address and port in the message that is one end of the connection as the sender sees it becomes that end as the
 * receiver sees it:
 * <pre>
 *   Request-URI, Contact(s), From, To   addr:port = the sender's source  -> where the receiver sends to
 *                                       addr:port = the sender's target  -> where the receiver's packets come from
 *                                                                           (the phone's Via port if it forced one)
 *   topmost Via (only if it names this  the same, then its maddr= (sender's address -> the receiver's target),
 *   connection's sending end; of a      received= (the sender's target -> the receiver's source) and rport=
 *   response: its receiving end)        (the sender's target port -> the receiver's source port)
 *   SDP                                 the media line's c=, the session's o= and c= -> the media address the
 *                                       expectations were made for; m= -> the port they got; Content-Length
 * </pre>
 * A port is written with its address even where the message had none ({@code <sip:a@host>} becomes
 * {@code <sip:a@host:5060>}). The expectations it makes are for where the peer will send; when the expected
 * connection comes it is translated back to the real endpoint ({@link #expected}).
 */
final class SipNat {
    private SipNat() {
    }

    private static final byte[] MADDR = SipText.bytes("maddr=");
    private static final byte[] RECEIVED = SipText.bytes("received=");
    private static final byte[] RPORT = SipText.bytes("rport=");
    private static final byte[] NONE = new byte[0];

    /**
     * {@code mangle_packet}: replaces {@code len} bytes at {@code off} of the message; reloads the view. Over TCP the
     * length change is not recorded here: the helper records the sum of a segment's changes once
     * ({@link SipHelper}), since a second change recorded for one segment would be lost.
     */
    private static boolean mangle(SipMsg m, int off, int len, byte[] rep, SipCounters counters) {
        int at = off + m.dataoff - m.payloadOff;
        boolean ok = m.proto == IpProto.TCP
            ? m.nat.mangleTcpPacket(m.pkt, m.ct, m.ctinfo, m.protoff, at, len, rep, 0, rep.length, false)
            : m.nat.mangleUdpPacket(m.pkt, m.ct, m.ctinfo, m.protoff, at, len, rep, 0, rep.length);
        if (!ok) {
            counters.mangleFailed.increment();
            return false;
        }
        m.reload();
        return true;
    }

    private static byte[] addrText(int family, long hi, long lo, boolean brackets) {
        String a = Addr.toText(family, hi, lo);
        return (family == Family.IPV6 && brackets ? "[" + a + "]" : a).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] addrPortText(int family, long hi, long lo, int port) {
        String a = Addr.toText(family, hi, lo);
        return ((family == Family.IPV6 ? "[" + a + "]" : a) + ":" + port).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] number(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code map_addr}: rewrites the address and port at {@code off} if they are one end of the connection as the
     * sender sees it. Returns false only if the rewrite failed.
     */
    private static boolean mapAddr(SipMsg m, int off, int len, long hi, long lo, int port, SipCounters counters) {
        Connection ct = m.ct;
        int dir = m.dir;
        long nhi;
        long nlo;
        int nport;
        if (hi == ct.srcHi(dir) && lo == ct.srcLo(dir) && port == ct.srcPort(dir)) {
            nhi = ct.dstHi(dir ^ 1);
            nlo = ct.dstLo(dir ^ 1);
            nport = ct.dstPort(dir ^ 1);
        } else if (hi == ct.dstHi(dir) && lo == ct.dstLo(dir) && port == ct.dstPort(dir)) {
            nhi = ct.srcHi(dir ^ 1);
            nlo = ct.srcLo(dir ^ 1);
            nport = m.info.forcedDport != 0 ? m.info.forcedDport : ct.srcPort(dir ^ 1);
        } else {
            return true;
        }
        if (nhi == hi && nlo == lo && nport == port) {
            return true;
        }
        return mangle(m, off, len, addrPortText(m.family, nhi, nlo, nport), counters);
    }

    /** {@code map_sip_addr}: the first header {@code h}'s address. */
    private static boolean mapSipAddr(SipMsg m, SipText.Hdr h, SipCounters counters) {
        if (SipText.parseHeaderUri(m, false, h) <= 0) {
            return true;
        }
        return mapAddr(m, m.matchOff, m.matchLen, m.addrHi, m.addrLo, m.port, counters);
    }

    private static boolean fail(SipMsg m, String why) {
        m.pkt.reason = LOG_PREFIX + why;
        return false;
    }

    /** {@code nf_nat_sip}: the Request-URI and headers of a message already read. False: drop it. */
    static boolean message(SipMsg m, SipCounters counters) {
        Connection ct = m.ct;
        int dir = m.dir;
        boolean request = !SipText.startsWithIgnoreCase(m, 0, SipText.bytes("SIP/2.0"));
        if (request && SipText.parseRequest(m) > 0
            && !mapAddr(m, m.matchOff, m.matchLen, m.addrHi, m.addrLo, m.port, counters)) {
            return fail(m, "cannot mangle SIP message");
        }
        SipText.Hdr via = m.proto == IpProto.TCP ? SipText.VIA_TCP : SipText.VIA_UDP;
        if (SipText.parseHeaderUri(m, false, via) > 0 && viaOfThisConnection(m, request)) {
            int olen = m.len;
            long hi = m.addrHi;
            long lo = m.addrLo;
            if (!mapAddr(m, m.matchOff, m.matchLen, hi, lo, m.port, counters)) {
                return fail(m, "cannot mangle Via header");
            }
            int matchend = m.matchOff + m.matchLen + m.len - olen;
            // where replies are to be sent (RFC 3261 maddr=)
            if (SipText.parseAddressParam(m, matchend, MADDR, true) > 0 && m.addrHi == ct.srcHi(dir)
                && m.addrLo == ct.srcLo(dir) && !(m.addrHi == ct.dstHi(dir ^ 1) && m.addrLo == ct.dstLo(dir ^ 1))
                && !mangle(m, m.matchOff, m.matchLen, addrText(m.family, ct.dstHi(dir ^ 1), ct.dstLo(dir ^ 1),
                    true), counters)) {
                return fail(m, "cannot mangle maddr");
            }
            // where the server received the request from (received=)
            if (SipText.parseAddressParam(m, matchend, RECEIVED, false) > 0 && m.addrHi == ct.dstHi(dir)
                && m.addrLo == ct.dstLo(dir) && !(m.addrHi == ct.srcHi(dir ^ 1) && m.addrLo == ct.srcLo(dir ^ 1))
                && !mangle(m, m.matchOff, m.matchLen, addrText(m.family, ct.srcHi(dir ^ 1), ct.srcLo(dir ^ 1),
                    false), counters)) {
                return fail(m, "cannot mangle received");
            }
            // the port it came from (RFC 3581 rport=), compared as a 16-bit port as Linux does
            if (SipText.parseNumericalParam(m, matchend, RPORT) > 0) {
                int n = (int) m.value & 0xffff;
                if (n == ct.dstPort(dir) && n != ct.srcPort(dir ^ 1)
                    && !mangle(m, m.matchOff, m.matchLen, number(ct.srcPort(dir ^ 1)), counters)) {
                    return fail(m, "cannot mangle rport");
                }
            }
        }
        m.coff = 0;
        m.inHeader = false;
        while (SipText.parseHeaderUri(m, true, SipText.CONTACT) > 0) {
            if (!mapAddr(m, m.matchOff, m.matchLen, m.addrHi, m.addrLo, m.port, counters)) {
                return fail(m, "cannot mangle contact");
            }
        }
        if (!mapSipAddr(m, SipText.FROM, counters) || !mapSipAddr(m, SipText.TO, counters)) {
            return fail(m, "cannot mangle SIP from/to");
        }
        if (dir == org.conntrack4j.core.api.Direction.REPLY && m.info.forcedDport != 0) {
            // replies to the port the phone named in its Via
            byte[] a = m.pkt.array();
            int at = m.pkt.head() + m.protoff + 2;
            a[at] = (byte) (m.info.forcedDport >>> 8);
            a[at + 1] = (byte) m.info.forcedDport;
            if (!mangle(m, 0, 0, NONE, counters)) {
                return fail(m, "cannot mangle packet");
            }
        }
        return true;
    }

    /** Only the topmost Via naming this connection's sender (request) or receiver (response) is rewritten. */
    private static boolean viaOfThisConnection(SipMsg m, boolean request) {
        Connection ct = m.ct;
        int dir = m.dir;
        if (request) {
            return m.addrHi == ct.srcHi(dir) && m.addrLo == ct.srcLo(dir) && m.port == ct.srcPort(dir);
        }
        return m.addrHi == ct.dstHi(dir) && m.addrLo == ct.dstLo(dir) && m.port == ct.dstPort(dir);
    }

    /**
     * {@code nf_nat_sip_expected}: an expected signalling or media connection came; it goes to the real endpoint
     * saved in its expectation, and, if it comes from the master's peer, appears to come from where the master's
     * peer sends to.
     */
    static void expected(Connection ct, Expectation exp) {
        Nat nat = ct.net().services().extension(Nat.class);
        if (nat == null) {
            return;
        }
        Connection master = ct.master();
        String origin = "expected by " + Integer.toUnsignedString(master.id());
        long shi = exp.savedAddrHi();
        long slo = exp.savedAddrLo();
        int sport = exp.savedProto();
        nat.setup(null, ct, new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, ct.family(), shi, slo, shi, slo,
            sport, sport), NatManip.DST, origin);
        int d = exp.dir();
        if (ct.srcHi(0) == master.srcHi(d) && ct.srcLo(0) == master.srcLo(d)) {
            long hi = master.dstHi(d ^ 1);
            long lo = master.dstLo(d ^ 1);
            nat.setup(null, ct, new NatRange(NatRange.MAP_IPS, ct.family(), hi, lo, hi, lo, 0, 0), NatManip.SRC,
                origin);
        }
    }

    /** Where the peer will send to: the expectation's own address if the sender is not translated, else its NAT. */
    private static boolean senderUntranslated(SipMsg m) {
        Connection ct = m.ct;
        return ct.srcHi(m.dir) == ct.dstHi(m.dir ^ 1) && ct.srcLo(m.dir) == ct.dstLo(m.dir ^ 1);
    }

    /**
     * {@code nf_nat_sip_expect}: inserts the registration expectation for the Contact at {@code off} as seen from
     * outside (the translated address; the signalling port when the Contact names it, else the first free port from
     * the Contact's) and rewrites the Contact if that differs. Returns the verdict.
     */
    static int expect(SipMsg m, ExpectationRequest exp, int off, int len, SipCounters counters) {
        Connection ct = m.ct;
        int dir = m.dir;
        Tuple t = exp.tuple();
        long nhi;
        long nlo;
        if (senderUntranslated(m)) {
            nhi = t.dstHi;
            nlo = t.dstLo;
        } else {
            nhi = ct.dstHi(dir ^ 1);
            nlo = ct.dstLo(dir ^ 1);
        }
        int srcport = m.info.forcedDport != 0 ? m.info.forcedDport : ct.srcPort(dir);
        int port = t.dstPort == srcport ? ct.dstPort(dir ^ 1) : t.dstPort;
        exp.saved(t.dstHi, t.dstLo, t.dstPort, dir ^ 1).dst(nhi, nlo).expectFn(SipNat::expected);
        PluginServices s = m.net.services();
        for (; port != 0; port = port + 1 & 0xffff) {
            exp.dstPort(port);
            int r = s.expectRelated(exp);
            if (r == 0) {
                break;
            }
            if (r != PluginServices.EXPECT_CLASH) {
                port = 0;
                break;
            }
        }
        if (port == 0) {
            return noFreePort(m, "all ports in use for SIP", counters);
        }
        if ((nhi != t.dstHi || nlo != t.dstLo || port != t.dstPort)
            && !mangle(m, off, len, addrPortText(m.family, nhi, nlo, port), counters)) {
            m.pkt.reason = LOG_PREFIX + "cannot mangle packet";
            s.unexpectRelated(exp);
            return org.conntrack4j.core.api.Verdict.DROP;
        }
        return org.conntrack4j.core.api.Verdict.ACCEPT;
    }

    private static int noFreePort(SipMsg m, String why, SipCounters counters) {
        counters.expectFailed.increment();
        m.pkt.reason = LOG_PREFIX + why;
        return org.conntrack4j.core.api.Verdict.DROP;
    }

    /** {@code mangle_content_len}: Content-Length set to the length of the body from its {@code v=} line. */
    private static boolean mangleContentLength(SipMsg m, SipCounters counters) {
        if (SipText.getSdpHeader(m, 0, SipText.SDP_VERSION, null) <= 0) {
            return false;
        }
        int clen = m.len - m.matchOff + 2;
        if (SipText.getHeader(m, 0, SipText.CONTENT_LENGTH) <= 0) {
            return false;
        }
        return mangle(m, m.matchOff, m.matchLen, number(clen), counters);
    }

    private static final int SDP_OK = 0;
    private static final int SDP_NOT_FOUND = 1;
    private static final int SDP_FAILED = 2;

    /** {@code mangle_sdp_packet}: the address of line {@code h} after {@code sdpoff} (before {@code term}). */
    private static int mangleSdp(SipMsg m, int sdpoff, SipText.Hdr h, SipText.Hdr term, byte[] text,
        SipCounters counters) {
        if (SipText.getSdpHeader(m, sdpoff, h, term) <= 0) {
            return SDP_NOT_FOUND;
        }
        return mangle(m, m.matchOff, m.matchLen, text, counters) ? SDP_OK : SDP_FAILED;
    }

    /** {@code nf_nat_sdp_addr}: a media line's own {@code c=}. */
    static boolean sdpAddr(SipMsg m, int mediaoff, SipText.Hdr h, SipText.Hdr term, long hi, long lo,
        SipCounters counters) {
        if (mangleSdp(m, mediaoff, h, term, addrText(m.family, hi, lo, false), counters) != SDP_OK) {
            return false;
        }
        return mangleContentLength(m, counters);
    }

    /** {@code nf_nat_sdp_port}: a media line's port. */
    static boolean sdpPort(SipMsg m, int off, int len, int port, SipCounters counters) {
        if (!mangle(m, off, len, number(port), counters)) {
            m.pkt.reason = LOG_PREFIX + "cannot mangle SDP message";
            return false;
        }
        return mangleContentLength(m, counters);
    }

    /**
     * {@code nf_nat_sdp_session}: the session's {@code o=} (which must be there) and {@code c=} (which may not).
     */
    static boolean sdpSession(SipMsg m, int sdpoff, long hi, long lo, SipCounters counters) {
        byte[] text = addrText(m.family, hi, lo, false);
        if (mangleSdp(m, sdpoff, SipText.sdpOwner(m.family), SipText.SDP_MEDIA, text, counters) != SDP_OK
            || mangleSdp(m, sdpoff, SipText.sdpConnection(m.family), SipText.SDP_MEDIA, text, counters)
                == SDP_FAILED
            || !mangleContentLength(m, counters)) {
            if (m.pkt.reason == null) {
                m.pkt.reason = LOG_PREFIX + "cannot mangle SDP session";
            }
            return false;
        }
        return true;
    }

    /**
     * {@code nf_nat_sdp_media}: inserts RTP and RTCP expectations for where the peer will send (the translated
     * address), on the announced ports or the next free even/odd pair, and rewrites the media port if it moved;
     * {@link SipMsg#rtpHi}/{@code rtpLo} become that address. Returns the verdict.
     */
    static int sdpMedia(SipMsg m, ExpectationRequest rtp, ExpectationRequest rtcp, int mediaoff, int medialen,
        SipCounters counters) {
        Connection ct = m.ct;
        int dir = m.dir;
        Tuple t = rtp.tuple();
        if (senderUntranslated(m)) {
            m.rtpHi = t.dstHi;
            m.rtpLo = t.dstLo;
        } else {
            m.rtpHi = ct.dstHi(dir ^ 1);
            m.rtpLo = ct.dstLo(dir ^ 1);
        }
        int savedRtp = t.dstPort;
        rtp.saved(t.dstHi, t.dstLo, savedRtp, dir ^ 1).dst(m.rtpHi, m.rtpLo).expectFn(SipNat::expected);
        rtcp.saved(t.dstHi, t.dstLo, rtcp.dstPort(), dir ^ 1).dst(m.rtpHi, m.rtpLo).expectFn(SipNat::expected);
        PluginServices s = m.net.services();
        int port;
        for (port = savedRtp; port != 0; port = port + 2 & 0xffff) {
            rtp.dstPort(port);
            int r = s.expectRelated(rtp);
            if (r == PluginServices.EXPECT_CLASH) {
                continue;
            }
            if (r < 0) {
                port = 0;
                break;
            }
            rtcp.dstPort(port + 1 & 0xffff);
            r = s.expectRelated(rtcp);
            if (r == 0) {
                break;
            }
            s.unexpectRelated(rtp);
            if (r != PluginServices.EXPECT_CLASH) {
                port = 0;
                break;
            }
        }
        if (port == 0) {
            return noFreePort(m, "all ports in use for SDP media", counters);
        }
        if (port != savedRtp && !sdpPort(m, mediaoff, medialen, port, counters)) {
            s.unexpectRelated(rtp);
            s.unexpectRelated(rtcp);
            return org.conntrack4j.core.api.Verdict.DROP;
        }
        return org.conntrack4j.core.api.Verdict.ACCEPT;
    }
}
