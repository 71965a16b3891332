package org.conntrack4j.helper.pptp;

/**
 * The PPTP helper's data for one control connection: Linux's {@code struct nf_ct_pptp_master} (the session and
 * call state, the two call IDs as the router sees them) and {@code struct nf_nat_pptp} (NAT's copies: the call IDs
 * the PNS and the PAC chose themselves). Like Linux it follows one call per session; a second call overwrites the
 * first one's call IDs. The GRE key map entries of the call are the GRE tracker's ({@code GreKeymap}), by master.
 *
 * <p>Guarded by the connection's monitor ({@code synchronized (ct)}), held for the whole reading of a message.
 */
final class PptpMaster {
    // the control session (enum pptp_ctrlsess_state; the order matters: the checks compare)
    static final int SESSION_NONE = 0;
    static final int SESSION_ERROR = 1;
    static final int SESSION_STOPREQ = 2;
    static final int SESSION_REQUESTED = 3;
    static final int SESSION_CONFIRMED = 4;

    // the call (enum pptp_ctrlcall_state)
    static final int CALL_NONE = 0;
    static final int CALL_ERROR = 1;
    static final int CALL_OUT_REQ = 2;
    static final int CALL_OUT_CONF = 3;
    static final int CALL_IN_REQ = 4;
    static final int CALL_IN_REP = 5;
    static final int CALL_IN_CONF = 6;
    static final int CALL_CLEAR_REQ = 7;

    int sstate = SESSION_NONE;
    int cstate = CALL_NONE;
    /** The PAC's call ID. */
    int pacCallId;
    /** The PNS's call ID as the PAC knows it (behind NAT: the one the router gave it). */
    int pnsCallId;
    /** NAT: the call ID the PNS chose itself, before the router replaced it. */
    int natPnsCallId;
    /** NAT: the PAC's call ID when the call was set up. */
    int natPacCallId;

    @Override
    public String toString() {
        return "pptp[sstate=" + sstate + " cstate=" + cstate + " pns=" + pnsCallId + " pac=" + pacCallId + " nat pns="
            + natPnsCallId + " pac=" + natPacCallId + "]";
    }
}
