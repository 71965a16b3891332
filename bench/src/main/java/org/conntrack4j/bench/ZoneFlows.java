package org.conntrack4j.bench;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * Workload B's packets, one per connection i (0-based), OVS's {@code benchmark-zones}: the frame of workload
 * A with source port {@code i >> 16} and destination port {@code i & 0xffff}, either taken as 65535 when 0.
 * The frames lie in one array, as a batch of received packets would, so that a pass over all of them sees
 * cache misses on the packets as well as on the table. Read-only once built: threads share it, each with its
 * own {@link Packet}.
 *
 * <p>Two flows with the same high part whose low parts are 0 and 65535 get the same ports: with 100000 flows,
 * flows 0 and 65535 are one connection (99999 distinct), as in OVS.
 */
public final class ZoneFlows {
    private final byte[] frames;
    private final int count;

    public ZoneFlows(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count " + count);
        }
        this.count = count;
        this.frames = new byte[Math.multiplyExact(count, Frames.UDP_FRAME)];
        for (int i = 0; i < count; i++) {
            Frames.writeUdp(frames, i * Frames.UDP_FRAME, srcPort(i), dstPort(i));
        }
    }

    public static int srcPort(int i) {
        int p = i >>> 16 & 0xffff;
        return p == 0 ? 65535 : p;
    }

    public static int dstPort(int i) {
        int p = i & 0xffff;
        return p == 0 ? 65535 : p;
    }

    public int count() {
        return count;
    }

    /** Receives flow i's packet into {@code p}: loaded from its frame, parsed, put in {@code zone}. */
    public void receive(int i, Packet p, int zone) {
        p.reset();
        p.load(frames, i * Frames.UDP_FRAME + Frames.ETH, Frames.UDP_FRAME - Frames.ETH, Frames.ETH);
        IpHeaders.validate(p);
        p.zone = zone;
    }

    /**
     * Tracks and commits every flow's packet in {@code zone} ({@code in} + {@code confirm}); returns how many got
     * a confirmed connection.
     */
    public int commitAll(Conntrack net, int zone, Packet p) {
        return commitRange(net, zone, p, 0, count);
    }

    /** As {@link #commitAll} for flows {@code from} (included) to {@code to} (excluded) only. */
    public int commitRange(Conntrack net, int zone, Packet p, int from, int to) {
        int tracked = 0;
        for (int i = from; i < to; i++) {
            receive(i, p, zone);
            net.packets().in(p);
            net.packets().confirm(p);
            if (p.ct != null && p.ct.isConfirmed()) {
                tracked++;
            }
        }
        return tracked;
    }

    /**
     * Tracks every flow's packet in {@code zone} without commit ({@code in} only), starting at flow
     * {@code from} and wrapping; returns how many found a confirmed connection (all of them when the zone was
     * committed before: the lookups of existing entries).
     */
    public int lookupAll(Conntrack net, int zone, Packet p, int from) {
        int found = 0;
        int i = Math.floorMod(from, count);
        for (int n = 0; n < count; n++) {
            receive(i, p, zone);
            net.packets().in(p);
            if (p.ct != null && p.ct.isConfirmed()) {
                found++;
            }
            if (++i == count) {
                i = 0;
            }
        }
        return found;
    }
}
