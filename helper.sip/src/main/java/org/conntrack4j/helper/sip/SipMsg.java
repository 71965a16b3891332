package org.conntrack4j.helper.sip;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.Nat;

/**
 * One SIP message being read and what it belongs to (engine, connection, direction, NAT): a view of the packet's
 * payload (offsets from its first byte, as Linux's {@code dptr} counts them) and the results of the last parse
 * ({@link SipText}), kept in fields so that reading allocates nothing. One per signalling connection
 * ({@link SipMaster#msg}, used under its monitor; no thread-local, which would keep the bundle's classes alive in
 * the packet threads after it left); valid for one call of the helper, which {@link #clear}s it.
 */
final class SipMsg {
    Conntrack net;
    Connection ct;
    int ctinfo;
    /** The direction of the packet. */
    int dir;
    /** Offset of the UDP header. */
    int protoff;
    SipMaster info;
    /** NAT, when the connection is translated and the NAT bundle is there; else null. */
    Nat nat;
    Packet pkt;
    int family;
    /** The connection's L4 protocol: which Via transport is read, what a Contact's transport must be. */
    int proto;
    /** Offset of the L4 payload from the start of the packet (the IP header). */
    int payloadOff;
    /** Offset of the message from the start of the packet: the payload's, or over TCP a later message's. */
    int dataoff;
    private byte[] b;
    private int base;
    /** The message's length (Linux's {@code datalen}). */
    int len;
    /** The packet's length when the view was last set, to follow the message's length through rewrites. */
    private int pktLen;

    // results of the last parse
    int matchOff;
    int matchLen;
    int shift;
    /** Where the last address or number read ended. */
    int end;
    long addrHi;
    long addrLo;
    int port;
    long value;
    /** A walk through the Contact headers: where the next search starts, and whether it is inside a header. */
    int coff;
    boolean inHeader;

    /** The media address of the SDP being read; NAT moves it ({@code rtp_addr}). */
    long rtpHi;
    long rtpLo;
    /** Scratch for the eight groups of an IPv6 address being read. */
    final int[] groups = new int[8];
    /** A scratch tuple for expectation lookups. */
    final Tuple tuple = new Tuple();

    /** The whole payload from {@code payloadOff} as the message. */
    SipMsg load(Packet p, int family, int proto, int payloadOff) {
        this.pkt = p;
        this.family = family;
        this.proto = proto;
        this.payloadOff = payloadOff;
        return view(payloadOff, p.length() - payloadOff);
    }

    /** The message of {@code msgLen} bytes at packet offset {@code msgOff} (one of several in a TCP segment). */
    SipMsg view(int msgOff, int msgLen) {
        dataoff = msgOff;
        len = msgLen;
        pktLen = pkt.length();
        b = pkt.array();
        base = pkt.head() + dataoff;
        return this;
    }

    /**
     * Reads the packet again after a rewrite of this message (its buffer may have moved): the message grew or
     * shrank by what the packet did.
     */
    void reload() {
        view(dataoff, len + pkt.length() - pktLen);
    }

    /** The byte at {@code i} (0 <= i < len). */
    int at(int i) {
        return b[base + i] & 0xff;
    }

    /** The byte at {@code i}, or -1 outside the message. */
    int peek(int i) {
        return i >= 0 && i < len ? b[base + i] & 0xff : -1;
    }

    /** Releases what the message belonged to (the view is kept per thread). */
    void clear() {
        net = null;
        ct = null;
        info = null;
        nat = null;
        pkt = null;
        b = null;
    }
}
