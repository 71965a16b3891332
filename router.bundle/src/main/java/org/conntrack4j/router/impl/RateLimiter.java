package org.conntrack4j.router.impl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linux's per-destination ICMP rate limit ({@code inet_peer_xrlim_allow}): a token bucket per peer address
 * filled by one jiffy per jiffy up to six intervals, one interval spent per message. A new peer starts full.
 * Shared by a router's forwarders (one lock, taken only when an error is about to be sent). Bounded as the
 * kernel's peer cache is: beyond {@link #MAX_PEERS} the least recently used peer is forgotten (it would start full
 * again, as a peer the kernel's cache collected does).
 */
final class RateLimiter {
    private static final int BURST_FACTOR = 6;
    static final int MAX_PEERS = 4096;

    private static final class Peer {
        long tokens;
        long last;
    }

    private final Map<String, Peer> peers = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Peer> eldest) {
            return size() > MAX_PEERS;
        }
    };

    /** May a message go to {@code peerKey} now, with one message allowed per {@code interval} jiffies? */
    synchronized boolean allow(String peerKey, long now, long interval) {
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

    /** How many peers it remembers. */
    synchronized int size() {
        return peers.size();
    }
}
