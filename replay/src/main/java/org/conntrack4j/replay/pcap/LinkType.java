package org.conntrack4j.replay.pcap;

/** The few LINKTYPE_ values (tcpdump.org link-layer header types) the replay meets. */
public final class LinkType {
    /** IEEE 802.3 Ethernet, with a 14-byte header (plus VLAN tags). */
    public static final int ETHERNET = 1;
    /** Raw IP, version taken from the first nibble (the value tcpdump writes for DLT_RAW). */
    public static final int RAW = 101;
    /** Linux "cooked" capture v1 (SLL), 16-byte header. */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux "cooked" capture v2 (SLL2), 20-byte header. */
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }
}
