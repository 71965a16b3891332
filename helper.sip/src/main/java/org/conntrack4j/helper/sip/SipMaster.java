package org.conntrack4j.helper.sip;

/**
 * The SIP helper's data for one signalling connection ({@code struct nf_ct_sip_master}): the CSeq of the last
 * REGISTER and INVITE it read, so that only their responses act on the expectations they made, and the port a
 * phone asked replies to go to in its Via (Cisco phones send from a high port but listen on 5060).
 *
 * <p>Guarded by the connection's monitor, held for the whole reading of a message.
 */
final class SipMaster {
    /** CSeq of the last REGISTER read (C's unsigned int, as a long). */
    long registerCseq;
    /** CSeq of the last INVITE whose SDP was read. */
    long inviteCseq;
    /** The Via port of a request that came from another port of the same address; 0 if none. */
    int forcedDport;
    /** The view of the message being read, reused for every message of the connection. */
    final SipMsg msg = new SipMsg();

    @Override
    public String toString() {
        return "sip[register=" + registerCseq + " invite=" + inviteCseq + " forced_dport=" + forcedDport + "]";
    }
}
