package org.conntrack4j.replay.pcap;

/** What a pcapng Interface Description Block says about the frames that name it. */
final class InterfaceDescription {
    final int linkType;
    /** Largest captured length; 0 means no limit. */
    final long snapLength;
    /** The if_name option, or null. */
    final String name;
    final TimestampScale scale;

    InterfaceDescription(int linkType, long snapLength, String name, TimestampScale scale) {
        this.linkType = linkType;
        this.snapLength = snapLength;
        this.name = name;
        this.scale = scale;
    }
}
