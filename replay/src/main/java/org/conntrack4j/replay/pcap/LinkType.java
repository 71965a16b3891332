package org.conntrack4j.replay.pcap;

import java.util.Map;

/**
 * LINKTYPE_ values (tcpdump.org link-layer header types): those {@link LinkHeader} reads, and the names of the
 * others a capture may carry, for messages.
 */
public final class LinkType {
    /** BSD loopback: a 4-byte address family in the writer's byte order. */
    public static final int NULL = 0;
    /** IEEE 802.3 Ethernet, with a 14-byte header (plus VLAN tags). */
    public static final int ETHERNET = 1;
    /** PPP (RFC 1661): the protocol field, without HDLC framing (some writers keep address and control). */
    public static final int PPP = 9;
    /** Raw IP as some BSDs number DLT_RAW; libpcap reads files with it as {@link #RAW}. */
    public static final int RAW_12 = 12;
    /** Raw IP as OpenBSD numbers DLT_RAW. */
    public static final int RAW_14 = 14;
    /** PPP in HDLC-like framing (RFC 1662), or Cisco HDLC. */
    public static final int PPP_HDLC = 50;
    /** Raw IP, version taken from the first nibble (the value tcpdump writes for DLT_RAW). */
    public static final int RAW = 101;
    /** OpenBSD loopback: as {@link #NULL}, the family in network byte order. */
    public static final int LOOP = 108;
    /** Linux "cooked" capture v1 (SLL), 16-byte header. */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux "cooked" capture v2 (SLL2), 20-byte header with the interface index. */
    public static final int LINUX_SLL2 = 276;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(NULL, "NULL"), Map.entry(ETHERNET, "ETHERNET"), Map.entry(3, "AX25"),
            Map.entry(6, "IEEE802_5"), Map.entry(7, "ARCNET_BSD"), Map.entry(8, "SLIP"), Map.entry(PPP, "PPP"),
            Map.entry(10, "FDDI"), Map.entry(RAW_12, "RAW"), Map.entry(RAW_14, "RAW"),
            Map.entry(PPP_HDLC, "PPP_HDLC"), Map.entry(51, "PPP_ETHER"), Map.entry(100, "ATM_RFC1483"),
            Map.entry(RAW, "RAW"), Map.entry(104, "C_HDLC"), Map.entry(105, "IEEE802_11"),
            Map.entry(107, "FRELAY"), Map.entry(LOOP, "LOOP"), Map.entry(LINUX_SLL, "LINUX_SLL"),
            Map.entry(114, "LTALK"), Map.entry(117, "PFLOG"), Map.entry(119, "IEEE802_11_PRISM"),
            Map.entry(122, "IP_OVER_FC"), Map.entry(123, "SUNATM"), Map.entry(127, "IEEE802_11_RADIOTAP"),
            Map.entry(129, "ARCNET_LINUX"), Map.entry(138, "APPLE_IP_OVER_IEEE1394"),
            Map.entry(143, "DOCSIS"), Map.entry(144, "LINUX_IRDA"), Map.entry(163, "IEEE802_11_AVS"),
            Map.entry(166, "PPP_PPPD"), Map.entry(177, "LINUX_LAPD"), Map.entry(187, "BLUETOOTH_HCI_H4"),
            Map.entry(189, "USB_LINUX"), Map.entry(192, "PPI"), Map.entry(195, "IEEE802_15_4_WITHFCS"),
            Map.entry(197, "ERF"), Map.entry(201, "BLUETOOTH_HCI_H4_WITH_PHDR"), Map.entry(204, "PPP_WITH_DIR"),
            Map.entry(205, "C_HDLC_WITH_DIR"), Map.entry(220, "USB_LINUX_MMAPPED"), Map.entry(226, "IPNET"),
            Map.entry(227, "CAN_SOCKETCAN"), Map.entry(IPV4, "IPV4"), Map.entry(IPV6, "IPV6"),
            Map.entry(230, "IEEE802_15_4_NOFCS"), Map.entry(231, "DBUS"), Map.entry(239, "NFLOG"),
            Map.entry(240, "NETANALYZER"), Map.entry(241, "NETANALYZER_TRANSPARENT"), Map.entry(242, "IPOIB"),
            Map.entry(243, "MPEG_2_TS"), Map.entry(247, "INFINIBAND"), Map.entry(248, "SCTP"),
            Map.entry(249, "USBPCAP"), Map.entry(251, "BLUETOOTH_LE_LL"), Map.entry(253, "NETLINK"),
            Map.entry(254, "BLUETOOTH_LINUX_MONITOR"), Map.entry(256, "BLUETOOTH_LE_LL_WITH_PHDR"),
            Map.entry(258, "PKTAP"), Map.entry(266, "USB_DARWIN"), Map.entry(271, "VSOCK"),
            Map.entry(272, "NORDIC_BLE"), Map.entry(274, "ETHERNET_MPACKET"), Map.entry(LINUX_SLL2, "LINUX_SLL2"));

    private LinkType() {
    }

    /** {@code LINKTYPE_NAME (N)}, or {@code N (no known name)}. */
    public static String describe(int linkType) {
        String name = NAMES.get(linkType);
        return name == null ? linkType + " (no known name)" : "LINKTYPE_" + name + " (" + linkType + ")";
    }
}
