package org.conntrack4j.replay.router;

import java.util.HashMap;
import java.util.Map;

/**
 * Linux's per-destination ICMP rate limit ({@code inet_peer_xrlim_allow}): a token bucket per peer address
 * filled by one jiffy per jiffy up to six intervals, one interval spent per message. A new peer starts full.
 * Single-threaded (the router's).
 */
final class RateLimiter {
    private static final int BURST_FACTOR = 6;

    private static final class Peer {
        long tokens;
        long last;
    }

    private final Map<String, Peer> peers = new HashMap<>();

    /** May a message go to {@code peerKey} now, with one message allowed per {@code interval} jiffies? */
    boolean allow(String peerKey, long now, long interval) {
        Peer p = peers.get(peerKey);
        if (p == null) {
            p = new Peer();
            p.last = now - 60L * 1000;
            peers.put(peerKey, p);
        }
        long token = p.tokens + (now - p.last);
        p.last = now;
        if (token > BURST_FACTOR * interval) {
            token = BURST_FACTOR * interval;
        }
        boolean ok = false;
        if (token >= interval) {
            token -= interval;
            ok = true;
        }
        p.tokens = token;
        return ok;
    }
}
