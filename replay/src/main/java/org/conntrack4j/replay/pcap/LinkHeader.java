package org.conntrack4j.replay.pcap;

/**
 * Finds the IP packet behind a frame's link-layer header, for the link types captures of IP traffic use: Ethernet
 * (with 802.1Q / 802.1ad tags), Linux cooked captures v1 and v2 ({@code tcpdump -i any}), BSD loopback (NULL,
 * LOOP), raw IP under each of its numbers, and PPP with or without HDLC framing. A flyweight: {@link #decode}
 * refills it, nothing is allocated.
 *
 * <p>Byte layouts (tcpdump.org's link-layer header types): SLL is packet type, ARPHRD type, address length (2
 * bytes each), 8 address bytes, protocol; SLL2 is protocol, 2 reserved bytes, interface index (4), ARPHRD type
 * (2), packet type, address length (1 each), 8 address bytes. NULL carries the BSD address family in the writer's
 * byte order, LOOP in network order (written both ways in practice).
 */
public final class LinkHeader {
    /** {@link #family()} of a frame that holds no IP packet the decoder recognises. */
    public static final int NONE = 0;

    /** SLL / SLL2 packet type of a frame the capturing host sent (Linux {@code PACKET_OUTGOING}). */
    static final int PACKET_OUTGOING = 4;

    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88A8;
    private static final int PPP_IP = 0x0021;
    private static final int PPP_IPV6 = 0x0057;
    /** BSD address families of IPv6: NetBSD/OpenBSD, FreeBSD, Darwin (IPv4 is 2 everywhere). */
    private static final int BSD_AF_INET = 2;
    private static final int[] BSD_AF_INET6 = {24, 28, 30};

    private boolean known;
    private int family;
    private int network;
    private int ifindex;
    private boolean outgoing;

    /**
     * Reads the link header of a frame of link type {@code linkType} held in {@code a[off, off + len)}.
     *
     * @return whether the link type is one this class reads (the frame may still hold no IP packet)
     */
    public boolean decode(int linkType, byte[] a, int off, int len) {
        known = true;
        family = NONE;
        network = -1;
        ifindex = -1;
        outgoing = false;
        switch (linkType) {
            case LinkType.ETHERNET:
                etherType(a, off, len, 12);
                break;
            case LinkType.LINUX_SLL:
                if (len >= 16) {
                    outgoing = u16(a, off) == PACKET_OUTGOING;
                    etherType(a, off, len, 14);
                }
                break;
            case LinkType.LINUX_SLL2:
                if (len >= 20) {
                    ifindex = (int) (u16(a, off + 4) << 16 | u16(a, off + 6));
                    outgoing = (a[off + 10] & 0xFF) == PACKET_OUTGOING;
                    etherType(a, off, len, 0, 20);
                }
                break;
            case LinkType.NULL:
            case LinkType.LOOP:
                if (len >= 4) {
                    bsdFamily(a, off, len);
                }
                break;
            case LinkType.RAW:
            case LinkType.RAW_12:
            case LinkType.RAW_14:
                version(a, off, len, 0);
                break;
            case LinkType.IPV4:
                ip(4, 0, len);
                break;
            case LinkType.IPV6:
                ip(6, 0, len);
                break;
            case LinkType.PPP:
                ppp(a, off, len, hdlcAddressAndControl(a, off, len) ? 2 : 0);
                break;
            case LinkType.PPP_HDLC:
                pppHdlc(a, off, len);
                break;
            default:
                known = false;
        }
        return known;
    }

    /** Whether the last decoded link type is one this class reads. */
    public boolean known() {
        return known;
    }

    /** 4 or 6 when the frame holds an IPv4 or IPv6 packet at {@link #network()}, else {@link #NONE}. */
    public int family() {
        return family;
    }

    /** Offset of the IP header from the frame's start, or -1. */
    public int network() {
        return network;
    }

    /** The interface index an SLL2 header records, or -1 (other link types record none). */
    public int ifindex() {
        return ifindex;
    }

    /** Whether an SLL / SLL2 header says the capturing host sent this frame rather than received it. */
    public boolean outgoing() {
        return outgoing;
    }

    private static int u16(byte[] a, int i) {
        return (a[i] & 0xFF) << 8 | (a[i + 1] & 0xFF);
    }

    /** An EtherType at {@code at}, then the payload right after it (tags skipped). */
    private void etherType(byte[] a, int off, int len, int at) {
        etherType(a, off, len, at, at + 2);
    }

    /**
     * An EtherType at {@code at} whose payload starts at {@code payload}; 802.1Q / 802.1ad tags in the payload
     * (TCI, then the inner EtherType) are skipped.
     */
    private void etherType(byte[] a, int off, int len, int at, int payload) {
        if (at + 2 > len) {
            return;
        }
        int type = u16(a, off + at);
        int pos = payload;
        while (type == ETH_P_8021Q || type == ETH_P_8021AD) {
            if (pos + 4 > len) {
                return;
            }
            type = u16(a, off + pos + 2);
            pos += 4;
        }
        if (type == ETH_P_IP) {
            ip(4, pos, len);
        } else if (type == ETH_P_IPV6) {
            ip(6, pos, len);
        }
    }

    private void bsdFamily(byte[] a, int off, int len) {
        int v = (a[off] & 0xFF) | (a[off + 1] & 0xFF) << 8 | (a[off + 2] & 0xFF) << 16 | (a[off + 3] & 0xFF) << 24;
        if ((v & 0xFFFF) == 0) {
            v = Integer.reverseBytes(v); // written big-endian: the family sits in the last bytes
        }
        if (v == BSD_AF_INET) {
            ip(4, 4, len);
            return;
        }
        for (int six : BSD_AF_INET6) {
            if (v == six) {
                ip(6, 4, len);
            }
        }
    }

    /** Raw IP: the version nibble decides. */
    private void version(byte[] a, int off, int len, int at) {
        if (at < len) {
            int v = (a[off + at] & 0xFF) >>> 4;
            if (v == 4 || v == 6) {
                ip(v, at, len);
            }
        }
    }

    /** A PPP protocol field at {@code at}, two bytes or one when compressed (odd first byte, RFC 1661 6.5). */
    private void ppp(byte[] a, int off, int len, int at) {
        if (at >= len) {
            return;
        }
        int protocol;
        int payload;
        if ((a[off + at] & 1) == 1) {
            protocol = a[off + at] & 0xFF;
            payload = at + 1;
        } else if (at + 2 <= len) {
            protocol = u16(a, off + at);
            payload = at + 2;
        } else {
            return;
        }
        if (protocol == PPP_IP) {
            ip(4, payload, len);
        } else if (protocol == PPP_IPV6) {
            ip(6, payload, len);
        }
    }

    /**
     * PPP in HDLC-like framing (RFC 1662: address 0xFF, control 0x03, then the protocol), or Cisco HDLC (address
     * 0x0F or 0x8F, control 0, then an EtherType), which captures of the same link type also hold. A frame without
     * the address and control bytes (negotiated away, RFC 1661 6.6) starts at the protocol.
     */
    private void pppHdlc(byte[] a, int off, int len) {
        if (len < 2) {
            ppp(a, off, len, 0);
            return;
        }
        int address = a[off] & 0xFF;
        if (hdlcAddressAndControl(a, off, len)) {
            ppp(a, off, len, 2);
        } else if (address == 0x0F || address == 0x8F) {
            etherType(a, off, len, 2);
        } else {
            ppp(a, off, len, 0);
        }
    }

    /** Whether the frame starts with RFC 1662's all-stations address and unnumbered-information control bytes. */
    private static boolean hdlcAddressAndControl(byte[] a, int off, int len) {
        return len >= 2 && (a[off] & 0xFF) == 0xFF && (a[off + 1] & 0xFF) == 0x03;
    }

    private void ip(int version, int at, int len) {
        if (at < len) {
            family = version;
            network = at;
        }
    }
}
