package org.conntrack4j.helper.pptp;

/**
 * PPTP's control protocol as the helper reads it (RFC 2637, Linux's {@code nf_conntrack_pptp.h}): the header of
 * every message, the message types, the least length the helper needs of each, and where the call IDs are.
 *
 * <pre>
 *   PPTP header (8)     length (2, not read)  packet type (2, 1 = control)  magic cookie (4, 0x1a2b3c4d)
 *   control header (4)  message type (2)      reserved (2)
 *   message body        per type, from offset 12 of the TCP payload
 * </pre>
 */
final class Pptp {
    static final int CONTROL_PORT = 1723;
    static final int PACKET_CONTROL = 1;
    static final int MAGIC_COOKIE = 0x1a2b3c4d;
    /** PPTP header plus control header: where a message's body starts in the TCP payload. */
    static final int HEADER = 12;

    // message types (PptpControlMessageType)
    static final int START_SESSION_REQUEST = 1;
    static final int START_SESSION_REPLY = 2;
    static final int STOP_SESSION_REQUEST = 3;
    static final int STOP_SESSION_REPLY = 4;
    static final int ECHO_REQUEST = 5;
    static final int ECHO_REPLY = 6;
    static final int OUT_CALL_REQUEST = 7;
    static final int OUT_CALL_REPLY = 8;
    static final int IN_CALL_REQUEST = 9;
    static final int IN_CALL_REPLY = 10;
    static final int IN_CALL_CONNECT = 11;
    static final int CALL_CLEAR_REQUEST = 12;
    static final int CALL_DISCONNECT_NOTIFY = 13;
    static final int WAN_ERROR_NOTIFY = 14;
    static final int SET_LINK_INFO = 15;
    static final int MSG_MAX = 15;

    /**
     * The body length of each message type ({@code pptp_msg_size}, the C structures); a shorter message is not
     * read at all. Echo messages have none (they are not read either), type 0 and unknown types neither.
     */
    static final int[] BODY_SIZE = {
        0,      // 0: no such type
        144,    // Start-Control-Connection-Request: version, capabilities, host name (64), vendor (64)
        144,    // Start-Control-Connection-Reply: the same with the result code
        4,      // Stop-Control-Connection-Request
        4,      // Stop-Control-Connection-Reply
        0,      // Echo-Request: no size check in Linux
        0,      // Echo-Reply: no size check in Linux
        156,    // Outgoing-Call-Request: call ID, serial, speeds, types, phone number (64), subaddress (64)
        20,     // Outgoing-Call-Reply: call ID, peer's call ID, result, cause, speed, window, delay, channel
        208,    // Incoming-Call-Request: call ID, serial, bearer, channel, two numbers (64 each), subaddress (64)
        12,     // Incoming-Call-Reply: call ID, peer's call ID, result, window, delay
        16,     // Incoming-Call-Connected: peer's call ID, speed, window, delay, framing
        4,      // Call-Clear-Request: call ID
        136,    // Call-Disconnect-Notify: call ID, result, cause, statistics (128)
        28,     // WAN-Error-Notify: peer's call ID, six error counters
        12,     // Set-Link-Info: peer's call ID, two ACCMs
    };

    // where a message's fields are, from the start of its body
    /** The sender's call ID: Outgoing-Call-Request/-Reply, Incoming-Call-Request/-Reply, Call-Clear-Request, Disconnect. */
    static final int CALL_ID = 0;
    /** The peer's call ID of an Outgoing-Call-Reply and an Incoming-Call-Reply (after the sender's own). */
    static final int REPLY_PEER_CALL_ID = 2;
    /** The peer's call ID of Incoming-Call-Connected, WAN-Error-Notify and Set-Link-Info (their first field). */
    static final int PEER_CALL_ID = 0;
    /** The result code of an Outgoing-Call-Reply and an Incoming-Call-Reply. */
    static final int REPLY_RESULT = 4;
    /** The result code of a Start-Control-Connection-Reply (after the protocol version). */
    static final int START_RESULT = 2;
    /** The result code of a Stop-Control-Connection-Reply. */
    static final int STOP_RESULT = 0;

    // result codes that mean yes
    static final int START_OK = 1;
    static final int STOP_OK = 1;
    static final int OUTCALL_CONNECT = 1;
    static final int INCALL_ACCEPT = 1;

    private Pptp() {
    }
}
