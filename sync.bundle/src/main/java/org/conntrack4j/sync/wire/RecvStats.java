package org.conntrack4j.sync.wire;

/**
 * conntrackd's receive and sequence-tracking counters (STATE_SYNC(error), the "network statistics" of
 * {@code conntrackd -s network}), plus the datagrams this implementation ignores because they came from
 * an address other than the configured peer (conntrackd has no such check).
 */
public final class RecvStats {
    public long malformed;
    public long badVersion;
    public long badHeader;
    public long badPayload;
    public long badType;
    public long truncated;
    public long badSize;
    public long sendMalformed;
    public long lost;
    public long before;
    public long foreignSource;
}
