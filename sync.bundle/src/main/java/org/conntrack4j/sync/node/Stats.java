package org.conntrack4j.sync.node;

import java.util.LinkedHashMap;
import java.util.Map;
import org.conntrack4j.sync.cache.Cache;
import org.conntrack4j.sync.channel.Link;
import org.conntrack4j.sync.mode.Queue;
import org.conntrack4j.sync.wire.RecvStats;

/** The text of conntrackd -s and its variants, field for field. */
final class Stats {
    private Stats() {
    }

    /**
     * The figures of {@link #general} as name and value ({@code SyncControl.counters()}, the metrics): the internal
     * cache (or the bypass counts without one), the external cache (or the inject counts), the current link, and
     * the receive side's malformed and lost messages. Current sizes end in {@code _active}; the rest count.
     */
    static Map<String, Long> counters(SyncNode n) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (n.internalCt() != null) {
            cacheCounters(m, "internal_", n.internalCt().stats());
        } else {
            long[] b = n.bypass();
            m.put("bypass_new", b[0]);
            m.put("bypass_updated", b[1]);
            m.put("bypass_destroyed", b[2]);
        }
        if (n.externalCt() != null) {
            cacheCounters(m, "external_", n.externalCt().stats());
        } else {
            long[] i = n.injectStats();
            m.put("inject_created", i[0]);
            m.put("inject_create_failed", i[1]);
            m.put("inject_updated", i[2]);
            m.put("inject_update_failed", i[3]);
            m.put("inject_destroyed", i[4]);
            m.put("inject_destroy_failed", i[5]);
        }
        Link.LinkStats l = n.channels().currentLink().stats();
        m.put("link_bytes_sent", l.bytesSent);
        m.put("link_bytes_received", l.bytesRecv);
        m.put("link_messages_sent", l.messagesSent);
        m.put("link_messages_received", l.messagesRecv);
        m.put("link_errors_sent", l.errorsSent);
        m.put("link_errors_received", l.errorsRecv);
        RecvStats r = n.recvStats();
        m.put("messages_malformed", r.malformed);
        m.put("messages_lost", r.lost);
        return m;
    }

    private static void cacheCounters(Map<String, Long> m, String p, Cache.Stats s) {
        m.put(p + "active", s.active);
        m.put(p + "created", s.addOk);
        m.put(p + "create_failed", s.addFail);
        m.put(p + "updated", s.updOk);
        m.put(p + "update_failed", s.updFail);
        m.put(p + "destroyed", s.delOk);
        m.put(p + "destroy_failed", s.delFail);
    }

    static String cache(Cache<?> c, String what) {
        Cache.Stats s = c.stats();
        return String.format("cache %s:\n"
                + "current active %s:\t%12d\n"
                + "%s created:\t\t%12d\tfailed:\t%12d\n"
                + "%s updated:\t\t%12d\tfailed:\t%12d\n"
                + "%s destroyed:\t\t%12d\tfailed:\t%12d\n\n",
                c.name(), what, s.active, what, s.addOk, s.addFail, what, s.updOk, s.updFail, what, s.delOk,
                s.delFail);
    }

    static String general(SyncNode n) {
        StringBuilder sb = new StringBuilder();
        if (n.internalCt() != null) {
            sb.append(cache(n.internalCt(), "connections"));
        } else {
            long[] b = n.bypass();
            sb.append(String.format("internal bypass:\nconnections new:\t\t%12d\nconnections updated:\t\t%12d\n"
                    + "connections destroyed:\t\t%12d\n\n", b[0], b[1], b[2]));
        }
        if (n.externalCt() != null) {
            sb.append(cache(n.externalCt(), "connections"));
        } else {
            long[] i = n.injectStats();
            sb.append(String.format("external inject:\nconnections created:\t\t%12d\tfailed:\t%12d\n"
                    + "connections updated:\t\t%12d\tfailed:\t%12d\n"
                    + "connections destroyed:\t\t%12d\tfailed:\t%12d\n\n", i[0], i[1], i[2], i[3], i[4], i[5]));
        }
        sb.append(traffic());
        sb.append(link(n.channels().currentLink()));
        RecvStats r = n.recvStats();
        sb.append(String.format("message tracking:\n%20d Malformed msgs %20d Lost msgs\n\n", r.malformed, r.lost));
        return sb.toString();
    }

    /** Bytes and packets of destroyed connections' accounting: the neutral model carries no counters. */
    private static String traffic() {
        return String.format("traffic processed:\n%20d Bytes      %20d Pckts\n\n", 0, 0);
    }

    static String link(Link l) {
        Link.LinkStats s = l.stats();
        return String.format("%s traffic (active device=%s):\n"
                + "%20d Bytes sent %20d Bytes recv\n"
                + "%20d Pckts sent %20d Pckts recv\n"
                + "%20d Error send %20d Error recv\n\n", l.kind(), l.ifname(), s.bytesSent, s.bytesRecv,
                s.messagesSent, s.messagesRecv, s.errorsSent, s.errorsRecv);
    }

    static String network(SyncNode n) {
        RecvStats r = n.recvStats();
        return String.format("network statistics:\n"
                + "\trecv:\n"
                + "\t\tMalformed messages:\t%20d\n"
                + "\t\tWrong protocol version:\t%20d\n"
                + "\t\tMalformed header:\t%20d\n"
                + "\t\tMalformed payload:\t%20d\n"
                + "\t\tBad message type:\t%20d\n"
                + "\t\tTruncated message:\t%20d\n"
                + "\t\tBad message size:\t%20d\n"
                + "\tsend:\n"
                + "\t\tMalformed messages:\t%20d\n\n"
                + "sequence tracking statistics:\n"
                + "\trecv:\n"
                + "\t\tPackets lost:\t\t%20d\n"
                + "\t\tPackets before:\t\t%20d\n\n", r.malformed, r.badVersion, r.badHeader, r.badPayload,
                r.badType, r.truncated, r.badSize, r.sendMalformed, r.lost, r.before)
                + link(n.channels().currentLink())
                + String.format("messages from other than the peer (conntrack4j):\t%20d\n\n", r.foreignSource);
    }

    static String cacheExtended(SyncNode n) {
        StringBuilder sb = new StringBuilder();
        for (Cache<?> c : new Cache<?>[] {n.internalCt(), n.externalCt()}) {
            if (c == null) {
                continue;
            }
            Cache.Stats s = c.stats();
            sb.append(String.format("cache:%s\tactive objects:\t\t%12d\n"
                    + "\tactive/total entries:\t\t%12d/%12d\n"
                    + "\tcreation OK/failed:\t\t%12d/%12d\n"
                    + "\t\tno memory available:\t%12d\n"
                    + "\t\tno space left in cache:\t%12d\n"
                    + "\tupdate OK/failed:\t\t%12d/%12d\n"
                    + "\t\tentry not found:\t%12d\n"
                    + "\tdeletion created/failed:\t%12d/%12d\n"
                    + "\t\tentry not found:\t%12d\n\n", c.name(), s.objects, s.active, c.size(), s.addOk,
                    s.addFail, s.addFailEnomem, s.addFailEnospc, s.updOk, s.updFail, s.updFailEnoent, s.delOk,
                    s.delFail, s.delFailEnoent));
        }
        return sb.toString();
    }

    static String queues(SyncNode n) {
        StringBuilder sb = new StringBuilder();
        for (Queue q : n.mode().queues()) {
            sb.append(queue(q));
        }
        sb.append(queue(n.tx()));
        return sb.toString();
    }

    private static String queue(Queue q) {
        return String.format("queue %s:\ncurrent elements:\t\t%12d\nmaximum elements:\t\t%12d\n"
                + "not enough space errors:\t%12d\n\n", q.name(), q.size(), Integer.toUnsignedLong(q.max()),
                q.enospcErrors());
    }

    static String expect(SyncNode n) {
        StringBuilder sb = new StringBuilder();
        if (n.internalExp() != null) {
            sb.append(cache(n.internalExp(), "connections"));
        }
        if (n.externalExp() != null) {
            sb.append(cache(n.externalExp(), "connections"));
        }
        sb.append(traffic());
        sb.append(link(n.channels().currentLink()));
        RecvStats r = n.recvStats();
        sb.append(String.format("message tracking:\n%20d Malformed msgs %20d Lost msgs\n\n", r.malformed, r.lost));
        return sb.toString();
    }
}
