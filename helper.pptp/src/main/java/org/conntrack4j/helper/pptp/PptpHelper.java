package org.conntrack4j.helper.pptp;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * The PPTP helper ({@code nf_conntrack_pptp.c}), IPv4 only as in Linux: it follows the control connection's
 * session and call (one call at a time, {@link PptpMaster}), and when the PAC accepts a call (Outgoing-Call-Reply,
 * or Incoming-Call-Connected) it expects the call's two GRE connections and maps their keys in the GRE tracker's key
 * map ({@link PptpCalls}); Call-Disconnect-Notify, or the control connection's end, destroys them. Behind NAT it
 * rewrites call IDs ({@link PptpNat}).
 *
 * <p>Only the first message of a segment is read, and only if the segment holds at least its fixed part; a message
 * that is not a control message, too short, of an unknown type, or not valid in the session's state is passed
 * unread, as Linux does, and counted ({@link #counters()}). The helper never drops a segment but for a failed
 * rewrite.
 *
 * <p>The per-connection data is guarded by the connection's monitor, held for the whole reading of a message (Linux
 * holds one global lock). It needs the NAT bundle only to rewrite and the GRE tracker bundle for the key map, and
 * looks both up per message: any of them starts without the others.
 */
@Component(service = Helper.class)
@HelperService(name = "pptp")
public final class PptpHelper implements Helper {
    /** Two GRE expectations per control connection, for five minutes ({@code pptp_exp_policy}). */
    private static final List<ExpectPolicy> POLICIES = List.of(new ExpectPolicy("pptp", 2, 300));

    private final PptpCounters counters = new PptpCounters();
    private final PptpCalls calls = new PptpCalls(counters);

    @Override
    public String name() {
        return "pptp";
    }

    @Override
    public int protocol() {
        return IpProto.TCP;
    }

    /** Linux registers the helper for IPv4 only ({@code .tuple.src.l3num = AF_INET}). */
    @Override
    public boolean supports(int family) {
        return family == Family.IPV4;
    }

    @Override
    public List<ExpectPolicy> expectPolicies() {
        return POLICIES;
    }

    @Override
    public Object newData(Connection ct) {
        return new PptpMaster();
    }

    /** How many control messages were left unread, by why; and failed expectations and rewrites. */
    public Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
        // nothing is read before the TCP handshake completed
        if (ctinfo != CtInfo.ESTABLISHED && ctinfo != CtInfo.ESTABLISHED_REPLY) {
            return Verdict.ACCEPT;
        }
        int len = pkt.length();
        if (len < protoff + 20) {
            return Verdict.ACCEPT;
        }
        int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        if (dataoff + 8 > len) {
            // no whole PPTP header: a pure ACK, or too little to read
            return Verdict.ACCEPT;
        }
        if (pkt.u16(dataoff + 2) != Pptp.PACKET_CONTROL || pkt.u32(dataoff + 4) != Pptp.MAGIC_COOKIE) {
            counters.notControl.increment();
            return Verdict.ACCEPT;
        }
        if (dataoff + Pptp.HEADER > len) {
            counters.tooShort.increment();
            return Verdict.ACCEPT;
        }
        int type = pkt.u16(dataoff + 8);
        int body = dataoff + Pptp.HEADER;
        if (type > 0 && type <= Pptp.MSG_MAX && len - body < Pptp.BODY_SIZE[type]) {
            counters.tooShort.increment();
            return Verdict.ACCEPT;
        }
        synchronized (ct) {
            // null once the helper has been detached from the connection (its bundle left)
            Object data = ct.helperData();
            if (!(data instanceof PptpMaster)) {
                return Verdict.ACCEPT;
            }
            PptpMaster info = (PptpMaster) data;
            int dir = CtInfo.direction(ctinfo);
            if (!PptpStateTable.accepts(dir, type, info.sstate, info.cstate) || !read(net, pkt, body, ct, dir, type,
                info)) {
                counters.invalid.increment();
                return Verdict.ACCEPT;
            }
            Nat nat = net.services().extension(Nat.class);
            if (nat == null || !ct.hasStatus(Status.NAT_MASK)) {
                return Verdict.ACCEPT;
            }
            int verdict = dir == Direction.ORIGINAL ? PptpNat.outbound(nat, pkt, protoff, ct, ctinfo, type, info)
                : PptpNat.inbound(nat, pkt, protoff, ct, ctinfo, type, info);
            if (verdict != Verdict.ACCEPT) {
                counters.mangleFailed.increment();
            }
            return verdict;
        }
    }

    /**
     * Follows one message that the state table lets through ({@code pptp_outbound_pkt}, {@code pptp_inbound_pkt}):
     * updates the session and call, and expects or ends the call's GRE connections. Returns false for a reply that
     * names another call than the one the router knows (invalid: nothing changed).
     */
    private boolean read(Conntrack net, Packet pkt, int body, Connection ct, int dir, int type, PptpMaster info) {
        if (dir == Direction.ORIGINAL) {
            switch (type) {
                case Pptp.START_SESSION_REQUEST:
                    info.sstate = PptpMaster.SESSION_REQUESTED;
                    return true;
                case Pptp.STOP_SESSION_REQUEST:
                    info.sstate = PptpMaster.SESSION_STOPREQ;
                    return true;
                case Pptp.OUT_CALL_REQUEST:
                    info.cstate = PptpMaster.CALL_OUT_REQ;
                    info.pnsCallId = pkt.u16(body + Pptp.CALL_ID);
                    return true;
                case Pptp.IN_CALL_REPLY:
                    if (pkt.u16(body + Pptp.REPLY_PEER_CALL_ID) != info.pacCallId) {
                        return false;
                    }
                    if (pkt.u8(body + Pptp.REPLY_RESULT) == Pptp.INCALL_ACCEPT) {
                        info.cstate = PptpMaster.CALL_IN_REP;
                        info.pnsCallId = pkt.u16(body + Pptp.CALL_ID);
                    } else {
                        info.cstate = PptpMaster.CALL_NONE;
                    }
                    return true;
                case Pptp.CALL_CLEAR_REQUEST:
                    // Linux knows one call only and does not check the call ID
                    info.cstate = PptpMaster.CALL_CLEAR_REQ;
                    return true;
                default:
                    // Set-Link-Info, Echo: nothing to follow
                    return true;
            }
        }
        switch (type) {
            case Pptp.START_SESSION_REPLY:
                info.sstate = pkt.u8(body + Pptp.START_RESULT) == Pptp.START_OK ? PptpMaster.SESSION_CONFIRMED
                    : PptpMaster.SESSION_ERROR;
                return true;
            case Pptp.STOP_SESSION_REPLY:
                info.sstate = pkt.u8(body + Pptp.STOP_RESULT) == Pptp.STOP_OK ? PptpMaster.SESSION_NONE
                    : PptpMaster.SESSION_ERROR;
                return true;
            case Pptp.OUT_CALL_REPLY: {
                int cid = pkt.u16(body + Pptp.CALL_ID);
                int pcid = pkt.u16(body + Pptp.REPLY_PEER_CALL_ID);
                if (info.pnsCallId != pcid) {
                    return false;
                }
                if (pkt.u8(body + Pptp.REPLY_RESULT) == Pptp.OUTCALL_CONNECT) {
                    info.cstate = PptpMaster.CALL_OUT_CONF;
                    info.pacCallId = cid;
                    calls.expectGre(net, ct, info, cid, pcid);
                } else {
                    info.cstate = PptpMaster.CALL_NONE;
                }
                return true;
            }
            case Pptp.IN_CALL_REQUEST:
                info.cstate = PptpMaster.CALL_IN_REQ;
                info.pacCallId = pkt.u16(body + Pptp.CALL_ID);
                return true;
            case Pptp.IN_CALL_CONNECT: {
                int pcid = pkt.u16(body + Pptp.PEER_CALL_ID);
                if (info.pnsCallId != pcid) {
                    return false;
                }
                info.cstate = PptpMaster.CALL_IN_CONF;
                // the PAC's GRE may come first this time; both directions are expected all the same
                calls.expectGre(net, ct, info, info.pacCallId, pcid);
                return true;
            }
            case Pptp.CALL_DISCONNECT_NOTIFY:
                // whatever call ID it names: the one call the router knows is over
                info.cstate = PptpMaster.CALL_NONE;
                calls.destroySiblings(net, ct, info.pnsCallId, info.pacCallId);
                return true;
            default:
                // WAN-Error-Notify, Set-Link-Info, Echo: nothing to follow
                return true;
        }
    }

    /**
     * The control connection is destroyed: its call's GRE connections (or their expectations) and key map entries
     * go with it ({@code pptp_destroy_siblings}). When the helper is only detached from a live connection (its bundle
     * left), nothing is done, as Linux's {@code unhelp} does not call the helper: the call's GRE connections and key
     * map entries stay until they expire.
     */
    @Override
    public void destroy(Connection ct) {
        if (!ct.isDying()) {
            return;
        }
        int pns;
        int pac;
        synchronized (ct) {
            Object data = ct.helperData();
            if (!(data instanceof PptpMaster)) {
                return;
            }
            pns = ((PptpMaster) data).pnsCallId;
            pac = ((PptpMaster) data).pacCallId;
        }
        // outside the monitor: a connection killed off the packet path gets its events delivered at once
        calls.destroySiblings(ct.net(), ct, pns, pac);
    }

    @Override
    public String toString() {
        return "PptpHelper";
    }
}
