package org.conntrack4j.sync.channel;

/**
 * One dedicated link as a sync mode sees it: datagrams out, counters. Receiving is the runner's business
 * (it hands received datagrams to the node).
 */
public interface Link {
    /** Sends one datagram. @return false when the send failed (counted) */
    boolean send(byte[] b, int off, int len);

    /** @return how many bytes of sync messages fit into one datagram: the interface MTU less IP and UDP headers */
    int payloadSize();

    /** @return the interface name (for statistics) */
    String ifname();

    /** @return "UDP", "multicast" or "TCP", as conntrackd's statistics name the link kind */
    String kind();

    LinkStats stats();

    /** Counters of one link: what conntrackd's udp/mcast stats hold. */
    final class LinkStats {
        public long bytesSent;
        public long messagesSent;
        public long errorsSent;
        public long bytesRecv;
        public long messagesRecv;
        public long errorsRecv;
    }
}
