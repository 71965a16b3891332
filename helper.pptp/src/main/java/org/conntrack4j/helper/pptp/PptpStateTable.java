package org.conntrack4j.helper.pptp;

import static org.conntrack4j.helper.pptp.PptpMaster.CALL_IN_CONF;
import static org.conntrack4j.helper.pptp.PptpMaster.CALL_IN_REP;
import static org.conntrack4j.helper.pptp.PptpMaster.CALL_IN_REQ;
import static org.conntrack4j.helper.pptp.PptpMaster.CALL_OUT_CONF;
import static org.conntrack4j.helper.pptp.PptpMaster.CALL_OUT_REQ;
import static org.conntrack4j.helper.pptp.PptpMaster.SESSION_CONFIRMED;
import static org.conntrack4j.helper.pptp.PptpMaster.SESSION_ERROR;
import static org.conntrack4j.helper.pptp.PptpMaster.SESSION_NONE;
import static org.conntrack4j.helper.pptp.PptpMaster.SESSION_REQUESTED;
import static org.conntrack4j.helper.pptp.PptpMaster.SESSION_STOPREQ;

import org.conntrack4j.core.api.Direction;

/**
 * Which messages the helper takes in which states ({@code pptp_outbound_pkt} and {@code pptp_inbound_pkt}): for
 * each direction and message type, the session states and the call states it is read in, as bit sets. A message
 * outside them is "invalid": passed unchanged, not read, not rewritten, counted. Linux assumes the PNS opened the
 * control connection, so the original direction is PNS to PAC ("outbound") and the reply PAC to PNS ("inbound").
 * What a message read does is in {@link PptpHelper}; beside the states, replies must name the call the router
 * knows (their peer call ID).
 */
final class PptpStateTable {
    private static final int ANY = 0xff;
    private static final int NO = 0;

    private static int s(int... states) {
        int bits = 0;
        for (int st : states) {
            bits |= 1 << st;
        }
        return bits;
    }

    /** [direction][message type]: the session states the message is read in. */
    static final int[][] SESSION = {
        { // PNS -> PAC
            NO,
            s(SESSION_NONE),                  // Start-Control-Connection-Request: only where there is no session
            NO,                               // Start-Control-Connection-Reply: the PAC's
            ANY,                              // Stop-Control-Connection-Request: always (the session is stopping)
            NO,                               // Stop-Control-Connection-Reply: the PAC's
            ANY,                              // Echo-Request
            ANY,                              // Echo-Reply
            s(SESSION_CONFIRMED),             // Outgoing-Call-Request: inside a session
            NO,                               // Outgoing-Call-Reply: the PAC's
            NO,                               // Incoming-Call-Request: the PAC's
            ANY,                              // Incoming-Call-Reply: the session is not checked, the call is
            NO,                               // Incoming-Call-Connected: the PAC's
            s(SESSION_CONFIRMED),             // Call-Clear-Request: inside a session
            NO,                               // Call-Disconnect-Notify: the PAC's
            NO,                               // WAN-Error-Notify: the PAC's
            ANY,                              // Set-Link-Info: always, nothing to check
        },
        { // PAC -> PNS
            NO,
            NO,                               // Start-Control-Connection-Request: the PNS's
            s(SESSION_REQUESTED, SESSION_CONFIRMED),  // Start-Control-Connection-Reply: after a request (or again)
            NO,                               // Stop-Control-Connection-Request: the PNS's (Linux reads none of the PAC)
            s(SESSION_NONE, SESSION_ERROR, SESSION_STOPREQ),  // Stop-Control-Connection-Reply: not while confirmed
            ANY,                              // Echo-Request
            ANY,                              // Echo-Reply
            NO,                               // Outgoing-Call-Request: the PNS's
            s(SESSION_CONFIRMED),             // Outgoing-Call-Reply: inside a session
            s(SESSION_CONFIRMED),             // Incoming-Call-Request: inside a session
            NO,                               // Incoming-Call-Reply: the PNS's
            s(SESSION_CONFIRMED),             // Incoming-Call-Connected: inside a session
            NO,                               // Call-Clear-Request: the PNS's
            ANY,                              // Call-Disconnect-Notify: always (it ends the call)
            ANY,                              // WAN-Error-Notify
            ANY,                              // Set-Link-Info
        },
    };

    /** [direction][message type]: the call states the message is read in (ANY: not checked). */
    static final int[][] CALL = {
        { // PNS -> PAC
            NO, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY,
            s(CALL_IN_REQ, CALL_IN_REP),      // Incoming-Call-Reply: answers an announced incoming call (or again)
            ANY, ANY, ANY, ANY, ANY,
        },
        { // PAC -> PNS
            NO, ANY, ANY, ANY, ANY, ANY, ANY, ANY,
            s(CALL_OUT_REQ, CALL_OUT_CONF),   // Outgoing-Call-Reply: answers a requested call (or again)
            ANY,
            ANY,
            s(CALL_IN_REP, CALL_IN_CONF),     // Incoming-Call-Connected: after the PNS accepted (or again)
            ANY, ANY, ANY, ANY,
        },
    };

    private PptpStateTable() {
    }

    /** Is a message of {@code type} read in direction {@code dir} in these states? */
    static boolean accepts(int dir, int type, int sstate, int cstate) {
        if (type <= 0 || type > Pptp.MSG_MAX || dir != Direction.ORIGINAL && dir != Direction.REPLY) {
            return false;
        }
        return (SESSION[dir][type] & 1 << sstate) != 0 && (CALL[dir][type] & 1 << cstate) != 0;
    }
}
