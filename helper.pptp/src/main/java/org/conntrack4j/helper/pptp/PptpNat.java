package org.conntrack4j.helper.pptp;

import java.util.function.BiConsumer;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;

/**
 * The NAT half of the PPTP helper ({@code nf_nat_pptp.c}), used when the control connection is translated. Linux
 * gives the PNS's call the control connection's translated TCP source port as its call ID (a unique number it has
 * at hand, though it allows one call per session): the PNS's call ID is replaced by it towards the PAC, and the PAC's
 * messages naming it are given the PNS's own call ID back; the call's GRE connection is bound so that the PAC's GRE
 * keys are translated the same way.
 *
 * <pre>
 *   PNS -> PAC   Outgoing-Call-Request  call ID      := translated TCP source port (the PNS's own is kept)
 *                Incoming-Call-Reply    call ID      := the call ID the router knows (the one just read: no change)
 *                Call-Clear-Request     call ID      := the translated one
 *   PAC -> PNS   Outgoing-Call-Reply    peer call ID := the PNS's own
 *                Incoming-Call-Connected, WAN-Error-Notify, Set-Link-Info  peer call ID := the PNS's own
 *                Call-Disconnect-Notify call ID      := the PNS's own (the field is the PAC's call ID: Linux
 *                                                       overwrites it all the same)
 * </pre>
 * The PNS's own call ID is known only once it made an outgoing call; before that, 0 is written, as in Linux.
 */
final class PptpNat {
    private PptpNat() {
    }

    /** {@code pptp_outbound_pkt} of nf_nat_pptp: a message from the PNS, already read. Returns the verdict. */
    static int outbound(Nat nat, Packet pkt, int protoff, Connection ct, int ctinfo, int type, PptpMaster info) {
        int newCallId = info.pnsCallId;
        switch (type) {
            case Pptp.OUT_CALL_REQUEST:
                info.natPnsCallId = info.pnsCallId;
                // the control connection's source port after translation: the reply's destination port
                newCallId = ct.dstPort(Direction.REPLY);
                info.pnsCallId = newCallId;
                break;
            case Pptp.IN_CALL_REPLY:
            case Pptp.CALL_CLEAR_REQUEST:
                break;
            default:
                return Verdict.ACCEPT;
        }
        return rewrite(nat, pkt, protoff, ct, ctinfo, Pptp.CALL_ID, newCallId);
    }

    /** {@code pptp_inbound_pkt} of nf_nat_pptp: a message from the PAC, already read. Returns the verdict. */
    static int inbound(Nat nat, Packet pkt, int protoff, Connection ct, int ctinfo, int type, PptpMaster info) {
        int at;
        switch (type) {
            case Pptp.OUT_CALL_REPLY:
                at = Pptp.REPLY_PEER_CALL_ID;
                break;
            case Pptp.IN_CALL_CONNECT:
            case Pptp.WAN_ERROR_NOTIFY:
            case Pptp.SET_LINK_INFO:
                at = Pptp.PEER_CALL_ID;
                break;
            case Pptp.CALL_DISCONNECT_NOTIFY:
                at = Pptp.CALL_ID;
                break;
            default:
                // Incoming-Call-Request names the PAC's call only; session and echo messages name none
                return Verdict.ACCEPT;
        }
        return rewrite(nat, pkt, protoff, ct, ctinfo, at, info.natPnsCallId);
    }

    /** Writes {@code callId} over the two bytes at {@code at} of the message body; DROP if that fails. */
    private static int rewrite(Nat nat, Packet pkt, int protoff, Connection ct, int ctinfo, int at, int callId) {
        byte[] rep = {(byte) (callId >>> 8), (byte) callId};
        return nat.mangleTcpPacket(pkt, ct, ctinfo, protoff, Pptp.HEADER + at, 2, rep, 0, 2) ? Verdict.ACCEPT
            : Verdict.DROP;
    }

    /**
     * {@code pptp_exp_gre}: the expectation of the call's GRE in direction {@code dir} of the control connection
     * behind NAT. The packets from the PNS carry the PAC's call ID and stand for the PNS's own call ID; those from
     * the PAC carry the translated one and stand for the PAC's; the expected connection is to be bound to the keys
     * the other side uses ({@link #expected}), saved here.
     */
    static ExpectationRequest expectGre(Connection ct, PptpMaster info, int dir,
        BiConsumer<Connection, Expectation> expectFn) {
        info.natPacCallId = info.pacCallId;
        ExpectationRequest req;
        if (dir == Direction.ORIGINAL) {
            req = PptpCalls.gre(ct, ct.srcHi(dir), ct.srcLo(dir), ct.dstHi(dir), ct.dstLo(dir), info.natPnsCallId,
                info.pacCallId).saved(0, 0, info.pnsCallId, Direction.ORIGINAL);
        } else {
            req = PptpCalls.gre(ct, ct.srcHi(dir), ct.srcLo(dir), ct.dstHi(dir), ct.dstLo(dir), info.natPacCallId,
                info.pnsCallId).saved(0, 0, info.natPnsCallId, Direction.REPLY);
        }
        return req.expectFn(expectFn);
    }

    /**
     * {@code pptp_nat_expected}: the call's first GRE packet made {@code ct} from expectation {@code exp}. The other
     * direction's expectation is removed, then {@code ct} is bound: its source to where the master's peer sends (with
     * the translated call ID as key when the PNS sent first), its destination to the master's other end (with the
     * PNS's own call ID when the PAC sent first).
     *
     * <p>The expectation removed is the one with the call's tuple from the other end. Linux builds it for a first
     * packet from the PAC with the keys of the new connection's own NAT data, which is empty: keys 0 and 0, which
     * no call has, so the PNS's expectation stays until it expires. The same is done here.
     */
    static void expected(Nat nat, Connection ct, Expectation exp) {
        Connection master = ct.master();
        int dir = exp.dir();
        int other = dir ^ 1;
        int srcKey = 0;
        int dstKey = 0;
        if (dir == Direction.ORIGINAL) {
            synchronized (master) {
                Object data = master.helperData();
                if (data instanceof PptpMaster) {
                    srcKey = ((PptpMaster) data).pacCallId;
                    dstKey = ((PptpMaster) data).pnsCallId;
                }
            }
        }
        ct.net().services().unexpectRelated(PptpCalls.gre(master, master.srcHi(other), master.srcLo(other),
            master.dstHi(other), master.dstLo(other), srcKey, dstKey));
        String origin = "expected by " + Integer.toUnsignedString(master.id());
        long shi = master.dstHi(other);
        long slo = master.dstLo(other);
        int key = exp.savedProto();
        nat.setup(null, ct, dir == Direction.ORIGINAL
            ? new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, ct.family(), shi, slo, shi, slo, key, key)
            : new NatRange(NatRange.MAP_IPS, ct.family(), shi, slo, shi, slo, 0, 0), NatManip.SRC, origin);
        long dhi = master.srcHi(other);
        long dlo = master.srcLo(other);
        nat.setup(null, ct, dir == Direction.REPLY
            ? new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, ct.family(), dhi, dlo, dhi, dlo, key, key)
            : new NatRange(NatRange.MAP_IPS, ct.family(), dhi, dlo, dhi, dlo, 0, 0), NatManip.DST, origin);
    }
}
