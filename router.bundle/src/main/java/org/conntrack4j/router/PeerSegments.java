package org.conntrack4j.router;

import org.conntrack4j.core.api.Family;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A look at what a TCP peer of the router's own sockets sends next, for the values Linux draws at random when it
 * answers: the initial sequence number of a SYN-ACK shows in the peer's acknowledgement of it, the timestamp offset
 * in the peer's echo (TSecr). A replay answers from the frames of its capture after the current one; a live router
 * has no such look and draws its own values.
 */
@ConsumerType
public interface PeerSegments {
    /**
     * A TCP segment's numbers: what {@link #next} found, and what {@link #read} takes from an IP packet (one parser of
     * TCP options for the router and its feeders).
     */
    final class Segment {
        public int family;
        /** The source address as {@code Packet} reads it (IPv4 in the low 32 bits of {@code srcLo}). */
        public long srcHi;
        public long srcLo;
        public int sport;
        public int seq;
        public int flags;
        /** The TCP header's length in bytes. */
        public int dataOffset;
        public boolean hasAck;
        public int ack;
        public boolean hasTimestamp;
        public int tsval;
        public int tsecr;
        /** The options of a SYN: MSS (-1 without), window scale (-1 without), SACK permitted. */
        public int mss = -1;
        public int wscale = -1;
        public boolean sackOk;

        public void clear() {
            family = 0;
            srcHi = 0;
            srcLo = 0;
            sport = 0;
            seq = 0;
            flags = 0;
            dataOffset = 0;
            hasAck = false;
            ack = 0;
            hasTimestamp = false;
            tsval = 0;
            tsecr = 0;
            mss = -1;
            wscale = -1;
            sackOk = false;
        }

        /**
         * Reads the TCP segment of the IPv4 or IPv6 packet at {@code b[ip, ip + len)} (IPv6 without extension
         * headers; IPv4 not a later fragment). False when it is none or its header does not fit; options are read up
         * to the first malformed one, as Linux's {@code tcp_parse_options} stops.
         */
        public boolean read(byte[] b, int ip, int len) {
            clear();
            if (len < 20 || ip < 0 || ip + len > b.length) {
                return false;
            }
            int version = (b[ip] & 0xff) >>> 4;
            int l4;
            if (version == 4) {
                l4 = (b[ip] & 0x0f) << 2;
                if (l4 < 20 || (b[ip + 9] & 0xff) != 6 || (u16(b, ip + 6) & 0x1fff) != 0) {
                    return false;
                }
                family = Family.IPV4;
                srcLo = u32(b, ip + 12) & 0xffffffffL;
            } else if (version == 6 && len >= 40 && (b[ip + 6] & 0xff) == 6) {
                l4 = 40;
                family = Family.IPV6;
                srcHi = (long) u32(b, ip + 8) << 32 | u32(b, ip + 12) & 0xffffffffL;
                srcLo = (long) u32(b, ip + 16) << 32 | u32(b, ip + 20) & 0xffffffffL;
            } else {
                return false;
            }
            return readTcp(b, ip + l4, len - l4);
        }

        /**
         * Reads the TCP header at {@code b[tcp, tcp + len)} (ports, numbers, flags, options; the addresses are left
         * as they are). False when the header does not fit.
         */
        public boolean readTcp(byte[] b, int tcp, int len) {
            if (len < 20 || tcp < 0 || tcp + len > b.length) {
                return false;
            }
            int doff = ((b[tcp + 12] & 0xff) >>> 4) << 2;
            if (doff < 20 || doff > len) {
                return false;
            }
            sport = u16(b, tcp);
            seq = u32(b, tcp + 4);
            flags = b[tcp + 13] & 0xff;
            hasAck = (flags & 0x10) != 0;
            ack = u32(b, tcp + 8);
            dataOffset = doff;
            for (int at = tcp + 20, end = tcp + doff; at < end; ) {
                int kind = b[at] & 0xff;
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    at++;
                    continue;
                }
                int olen = at + 1 < end ? b[at + 1] & 0xff : 0;
                if (olen < 2 || at + olen > end) {
                    break;
                }
                if (kind == 2 && olen == 4) {
                    mss = u16(b, at + 2);
                } else if (kind == 3 && olen == 3) {
                    wscale = b[at + 2] & 0xff;
                } else if (kind == 4 && olen == 2) {
                    sackOk = true;
                } else if (kind == 8 && olen == 10) {
                    hasTimestamp = true;
                    tsval = u32(b, at + 2);
                    tsecr = u32(b, at + 6);
                }
                at += olen;
            }
            return true;
        }

        private static int u16(byte[] b, int at) {
            return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
        }

        private static int u32(byte[] b, int at) {
            return u16(b, at) << 16 | u16(b, at + 2);
        }
    }

    /**
     * Finds the next segment (after the frame being processed) from {@code peerHi/peerLo} port {@code peerPort}
     * (family {@code family}, addresses as {@code Packet} reads them: IPv4 in the low 32 bits of {@code lo}) whose
     * sequence number is {@code seq}; fills {@code into} and returns true, or returns false when there is none
     * within the look's reach.
     */
    boolean next(int family, long peerHi, long peerLo, int peerPort, int seq, Segment into);

    /**
     * Finds the next segment (after the frame being processed) from the peer whose echoed timestamp (TSecr) is later
     * than {@code afterTsecr} (in sequence space: modulo 2^32); fills {@code into} and returns true, or false.
     */
    boolean nextEcho(int family, long peerHi, long peerLo, int peerPort, int afterTsecr, Segment into);
}
