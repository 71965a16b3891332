package org.conntrack4j.replay.compare;

import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32C;
import org.conntrack4j.replay.pcap.LinkType;

/**
 * The packet-level rules of compare.py: where the IP header starts for each link type, which fields the kernel
 * fills at random, and the TCP/UDP checksum check. Packets are plain byte arrays here: scoring runs offline, once
 * per packet, so clarity wins over the flyweights of the forwarding path.
 *
 * <p>Where compare.py would stop with an exception on a packet too short for a field, these methods treat the
 * packet as not matching instead (noted at each place).
 */
final class IpPackets {
    private IpPackets() {
    }

    /** The bytes from the IP header on, cut to the IP total length (ip_part). */
    static byte[] ipPart(int linkType, byte[] frame) {
        int off;
        if (linkType == LinkType.ETHERNET) {
            off = 12;
            int etherType = u16(frame, off);
            off += 2;
            while (etherType == 0x8100 || etherType == 0x88A8) { // 802.1Q and 802.1ad tags
                etherType = u16(frame, off + 2);
                off += 4;
            }
        } else if (linkType == LinkType.LINUX_SLL) {
            off = 16;
        } else if (linkType == LinkType.LINUX_SLL2) {
            off = 20;
        } else {
            off = 0; // raw IP (101, 228, 229) and anything else
        }
        byte[] p = Arrays.copyOfRange(frame, Math.min(off, frame.length), frame.length);
        if (p.length == 0) {
            return p;
        }
        int version = (p[0] & 0xFF) >> 4;
        if (version == 4 && p.length >= 4) {
            return Arrays.copyOf(p, Math.min(p.length, u16(p, 2)));
        }
        if (version == 6 && p.length >= 6) {
            return Arrays.copyOf(p, Math.min(p.length, 40 + u16(p, 4)));
        }
        return p;
    }

    /**
     * The packet with the randomly chosen fields zeroed (unpredictable_masked): the identification of an IPv6
     * fragment header; and in packets the router originates (one of its own source addresses with the initial
     * TTL or hop limit of 64) the IPv4 identification and header checksum, or the IPv6 flow label.
     *
     * @param own the router's addresses as {@link AddressText} prints them
     */
    static byte[] masked(byte[] p, Set<String> own) {
        if (p.length == 0) {
            return p;
        }
        int version = (p[0] & 0xFF) >> 4;
        if (version == 6 && p.length >= 40) {
            byte[] m = p;
            if ((p[7] & 0xFF) == 64 && own.contains(AddressText.of(p, 8, 16))) {
                m = p.clone();
                m[1] &= (byte) 0xF0;
                m[2] = 0;
                m[3] = 0;
            }
            if (m.length >= 48 && m[6] == 44) {
                m = m == p ? p.clone() : m;
                Arrays.fill(m, 44, 48, (byte) 0);
            }
            return m;
        }
        if (version == 4 && p.length >= 20 && (p[8] & 0xFF) == 64 && own.contains(AddressText.of(p, 12, 4))) {
            byte[] m = p.clone();
            m[4] = 0;
            m[5] = 0;
            m[10] = 0;
            m[11] = 0;
            return m;
        }
        return p;
    }

    /**
     * l4_checksum_ok: true where the L4 checksum verifies (TCP, UDP and ICMPv6 with the pseudo-header, ICMP over
     * its message alone, SCTP's CRC32c), a UDP checksum over IPv4 is zero, or the protocol is none of these. Any
     * first nibble other than 4 is read as IPv6, as in compare.py. A packet too short to hold the protocol field is
     * false (compare.py would fail on it).
     */
    static boolean l4ChecksumOk(byte[] p) {
        if (p.length == 0) {
            return false;
        }
        boolean v4 = (p[0] & 0xFF) >> 4 == 4;
        int protocolAt = v4 ? 9 : 6;
        if (p.length <= protocolAt) {
            return false;
        }
        int protocol = p[protocolAt] & 0xFF;
        byte[] segment = slice(p, v4 ? (p[0] & 15) * 4 : 40, p.length);
        int n = segment.length;
        byte[] pseudo;
        if (v4) {
            if (n > 0xFFFF) {
                return false; // compare.py's struct.pack would fail
            }
            pseudo = concat(slice(p, 12, 20), new byte[] {0, (byte) protocol, (byte) (n >> 8), (byte) n});
        } else {
            pseudo = concat(slice(p, 8, 40),
                    new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n, 0, 0, 0,
                        (byte) protocol});
        }
        if (protocol == 17 && v4 && n >= 8 && segment[6] == 0 && segment[7] == 0) {
            return true;
        }
        if (protocol == 1) {
            return fold(sumWords(segment)) == 0xFFFF;
        }
        if (protocol == 132) {
            if (n < 12) {
                return false;
            }
            long stored = (segment[8] & 0xFFL) | (segment[9] & 0xFFL) << 8 | (segment[10] & 0xFFL) << 16
                    | (segment[11] & 0xFFL) << 24;
            byte[] zeroed = segment.clone();
            Arrays.fill(zeroed, 8, 12, (byte) 0);
            CRC32C crc = new CRC32C();
            crc.update(zeroed);
            return stored == crc.getValue();
        }
        if (protocol != 6 && protocol != 17 && protocol != 58) {
            return true;
        }
        return fold(sumWords(concat(pseudo, segment))) == 0xFFFF;
    }

    /**
     * checksum_span: where a protocol's checksum sits in its L4 header, as {offset, width}: TCP 16, UDP, UDP-Lite,
     * ICMP and ICMPv6 2 or 6 bytes in, 2 wide; SCTP's CRC32c at 8, 4 wide; anything else as UDP.
     */
    static int[] checksumSpan(int protocol) {
        switch (protocol) {
            case 6:
                return new int[] {16, 2};
            case 1:
            case 58:
                return new int[] {2, 2};
            case 132:
                return new int[] {8, 4};
            default:
                return new int[] {6, 2};
        }
    }

    /** The packet with the checksum of its L4 header at {@code off} zeroed, by {@link #zeroSpan}'s rules. */
    static byte[] zeroChecksum(byte[] b, int off, int protocol) {
        int[] span = checksumSpan(protocol);
        return zeroSpan(b, off + span[0], span[1]);
    }

    /**
     * Python slice assignment {@code b[at:at+w] = bytes(w)}, also what {@code b[:at] + bytes(w) + b[at+w:]} gives:
     * past the end the zero bytes are appended, and a cut through the last bytes lengthens the result.
     */
    static byte[] zeroSpan(byte[] b, int at, int width) {
        int start = Math.min(at, b.length);
        int end = Math.min(at + width, b.length);
        byte[] out = new byte[start + width + b.length - end];
        System.arraycopy(b, 0, out, 0, start);
        System.arraycopy(b, end, out, start + width, b.length - end);
        return out;
    }

    static int u16(byte[] b, int at) {
        if (at + 2 > b.length) {
            return at < b.length ? (b[at] & 0xFF) << 8 : 0; // a cut-off field; compare.py would fail here
        }
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    /** Python's clamped slice b[from:to]. */
    static byte[] slice(byte[] b, int from, int to) {
        int start = Math.min(from, b.length);
        return Arrays.copyOfRange(b, start, Math.max(start, Math.min(to, b.length)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Sum of the big-endian 16-bit words, an odd last byte padded with zero. */
    private static long sumWords(byte[] b) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < b.length; i += 2) {
            sum += (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
        }
        if (i < b.length) {
            sum += (b[i] & 0xFF) << 8;
        }
        return sum;
    }

    private static int fold(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) sum;
    }
}
