package org.conntrack4j.core.text;

import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;

/**
 * The text formats of conntrack-tools, so that output can be compared line by line with a real system:
 * {@code conntrack -L -o extended,id}, {@code conntrack -E -o timestamp,extended,id},
 * {@code conntrack -L expect} and {@code conntrack -E expect}.
 *
 * <p>Field order follows libnetfilter_conntrack: layer 3, layer 4, timeout, protocol state, original tuple and its
 * zone ({@code zone-orig=}), {@code [UNREPLIED]}, reply tuple and its zone ({@code zone-reply=}), {@code [ASSURED]},
 * mark, zone ({@code zone=}, a zone of both directions), helper, use, id, labels. Events show the timeout of a
 * destroyed connection only when time was left, the protocol state only when it changed (or on destroy), the mark
 * only when it is not zero or changed, the labels only when they changed, and the helper except on destroy: what
 * ctnetlink puts in the message. Labels are printed only through a {@link LabelMap}, as conntrack does.
 */
public final class CtFormat {
    private CtFormat() {
    }

    /** One {@code conntrack -L -o extended,id} line. */
    public static String listLine(ConnectionSnapshot s) {
        return listLine(s, true, true);
    }

    /** One {@code conntrack -L} line, with the layer 3 columns ({@code -o extended}) and the id ({@code -o id}) if asked. */
    public static String listLine(ConnectionSnapshot s, boolean extended, boolean id) {
        return listLine(s, extended, id, null);
    }

    /**
     * As {@link #listLine(ConnectionSnapshot, boolean, boolean)}, with the labels named by {@code labels}
     * ({@code -o labels}; null: none printed).
     *
     * @since 1.1
     */
    public static String listLine(ConnectionSnapshot s, boolean extended, boolean id, LabelMap labels) {
        return listLine(s, extended, id, labels, false);
    }

    /**
     * As {@link #listLine(ConnectionSnapshot, boolean, boolean, LabelMap)}, and with {@code ktimestamp} ({@code -o
     * ktimestamp}) the start and stop time of a connection that has them after its {@code delta-time=}, as
     * {@code [start=Mon Dec  7 13:24:22 2026]}: C's {@code ctime} in the local time zone, as conntrack prints it.
     *
     * @since 1.1
     */
    public static String listLine(ConnectionSnapshot s, boolean extended, boolean id, LabelMap labels,
        boolean ktimestamp) {
        StringBuilder sb = new StringBuilder(256);
        entry(sb, s, extended, s.timeoutSeconds() >= 0, s.state() != null, true, true, true, id, labels, ktimestamp);
        return sb.toString();
    }

    /** One {@code conntrack -E -o extended,id} line, with the {@code [sec.usec]\t} prefix if asked. */
    public static String event(ConntrackEvent e, boolean timestamp) {
        return event(e, timestamp, null);
    }

    /**
     * As {@link #event(ConntrackEvent, boolean)}, with the labels named by {@code labels} where the event carries
     * them (it did change them) ({@code -o labels}; null: none printed).
     *
     * @since 1.1
     */
    public static String event(ConntrackEvent e, boolean timestamp, LabelMap labels) {
        return event(e, timestamp, true, true, labels);
    }

    /**
     * One {@code conntrack -E} line with the options chosen: {@code -o timestamp} (the prefix), {@code extended} (the
     * layer 3 columns), {@code id}, {@code labels} (null: none printed).
     *
     * @since 1.1
     */
    public static String event(ConntrackEvent e, boolean timestamp, boolean extended, boolean id, LabelMap labels) {
        return event(e, timestamp, extended, id, labels, false);
    }

    /**
     * As {@link #event(ConntrackEvent, boolean, boolean, boolean, LabelMap)}, with {@code -o ktimestamp}: the start
     * and stop time where the event carries them (a DESTROY of a connection with a timestamp), as
     * {@link #listLine(ConnectionSnapshot, boolean, boolean, LabelMap, boolean)} prints them.
     *
     * @since 1.1
     */
    public static String event(ConntrackEvent e, boolean timestamp, boolean extended, boolean id, LabelMap labels,
        boolean ktimestamp) {
        StringBuilder sb = new StringBuilder(256);
        if (timestamp) {
            timestamp(sb, e.wallNanos());
        }
        padLeft9(sb, e.type() == ConntrackEvent.NEW ? "[NEW]" : e.type() == ConntrackEvent.DESTROY ? "[DESTROY]"
            : "[UPDATE]").append(' ');
        ConnectionSnapshot s = e.connection();
        boolean state = s.state() != null && (e.type() == ConntrackEvent.DESTROY || e.has(CtEvent.PROTOINFO));
        boolean mark = s.mark() != 0 || e.has(CtEvent.MARK);
        // ctnetlink leaves the helper out of a DESTROY message, and the labels out of a message that did not change
        // them
        entry(sb, s, extended, s.timeoutSeconds() >= 0, state, mark, e.type() != ConntrackEvent.DESTROY, false, id,
            e.type() != ConntrackEvent.DESTROY && e.has(CtEvent.LABEL) ? labels : null, ktimestamp);
        return sb.toString();
    }

    /**
     * One {@code <flow type="new|update|destroy">} of {@code conntrack -E -o xml}: what the event's message holds
     * (as {@link #event}: the state when it changed, the mark when set or changed, labels when changed, the helper
     * except on destroy; no use), and with {@code -o timestamp} the event's wall time as local time
     * ({@code <when>}; conntrack takes the time it prints at).
     *
     * @since 1.1
     */
    public static String xmlEvent(ConntrackEvent e, boolean timestamp, LabelMap labels) {
        return xmlEvent(e, timestamp ? java.time.ZoneId.systemDefault() : null, labels);
    }

    /** As {@link #xmlEvent(ConntrackEvent, boolean, LabelMap)}, {@code <when>} in {@code zone} (null: none). */
    static String xmlEvent(ConntrackEvent e, java.time.ZoneId zone, LabelMap labels) {
        ConnectionSnapshot s = e.connection();
        boolean destroy = e.type() == ConntrackEvent.DESTROY;
        String type = e.type() == ConntrackEvent.NEW ? "new" : destroy ? "destroy" : "update";
        return xml(s, type, s.state() != null && (destroy || e.has(CtEvent.PROTOINFO)), s.mark() != 0
            || e.has(CtEvent.MARK), false, !destroy, !destroy && e.has(CtEvent.LABEL) ? labels : null,
            e.wallNanos(), zone);
    }

    /**
     * What {@code conntrack -L -o xml} prints before its first flow (nothing at all for an empty table).
     *
     * @since 1.1
     */
    public static final String XML_HEADER = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>";

    /**
     * What {@code conntrack -L -o xml} prints after its last flow, when it printed {@link #XML_HEADER}.
     *
     * @since 1.1
     */
    public static final String XML_FOOTER = "</conntrack>";

    /**
     * One {@code <flow>} of {@code conntrack -L -o xml} (libnetfilter_conntrack's XML): per direction the
     * addresses, the ports (GRE: keys; ICMP: nothing), the zone of that direction alone and the counters, then the
     * state, timeout, mark, labels named by {@code labels} (null: none), a zone of both directions, use, id,
     * {@code <assured/>}, {@code <unreplied/>}, the delta time with {@code nf_conntrack_timestamp}, the helper. The
     * id is always there, as ctnetlink dumps it; {@code -o id} changes nothing here.
     *
     * @since 1.1
     */
    public static String xmlFlow(ConnectionSnapshot s, LabelMap labels) {
        return xml(s, null, s.state() != null, true, true, true, labels, 0, null);
    }

    private static String xml(ConnectionSnapshot s, String type, boolean state, boolean mark, boolean use,
        boolean helper, LabelMap labels, long whenNanos, java.time.ZoneId zone) {
        StringBuilder sb = new StringBuilder(640).append("<flow");
        if (type != null) {
            sb.append(" type=\"").append(type).append('"');
        }
        sb.append('>');
        long[] c = s.counters();
        xmlDirection(sb, s.orig(), "original", s.zoneDir() == Zone.DIR_ORIGINAL ? s.zone() : 0, c, 0);
        xmlDirection(sb, s.reply(), "reply", s.zoneDir() == Zone.DIR_REPLY ? s.zone() : 0, c, 2);
        sb.append("<meta direction=\"independent\">");
        if (state) {
            sb.append("<state>").append(s.state()).append("</state>");
        }
        if (s.timeoutSeconds() >= 0) {
            sb.append("<timeout>").append(s.timeoutSeconds()).append("</timeout>");
        }
        if (mark) {
            sb.append("<mark>").append(Integer.toUnsignedString(s.mark())).append("</mark>");
        }
        if (labels != null && (s.labelsLo() != 0 || s.labelsHi() != 0)) {
            sb.append("<labels>");
            for (int bit = 0; bit < ConnLabels.BITS; bit++) {
                String name = ConnLabels.test(s.labelsLo(), s.labelsHi(), bit) ? labels.name(bit) : null;
                if (name != null && !name.isEmpty()) {
                    sb.append("<label>").append(name).append("</label>");
                }
            }
            sb.append("</labels>");
        }
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_BOTH) {
            sb.append("<zone>").append(s.zone()).append("</zone>");
        }
        if (use) {
            sb.append("<use>").append(s.use()).append("</use>");
        }
        sb.append("<id>").append(Integer.toUnsignedString(s.id())).append("</id>");
        if ((s.status() & Status.ASSURED) != 0) {
            sb.append("<assured/>");
        }
        if ((s.status() & Status.SEEN_REPLY) == 0) {
            sb.append("<unreplied/>");
        }
        if (s.deltaTimeSeconds() >= 0) {
            sb.append("<deltatime>").append(s.deltaTimeSeconds()).append("</deltatime>");
        }
        sb.append("</meta>");
        if (zone != null) {
            java.time.LocalDateTime t = java.time.LocalDateTime.ofInstant(
                java.time.Instant.ofEpochSecond(Math.floorDiv(whenNanos, 1_000_000_000L)), zone);
            sb.append("<when><hour>").append(t.getHour()).append("</hour><min>")
                .append(String.format("%02d", t.getMinute())).append("</min><sec>")
                .append(String.format("%02d", t.getSecond())).append("</sec><wday>")
                .append(t.getDayOfWeek().getValue() % 7 + 1).append("</wday><day>").append(t.getDayOfMonth())
                .append("</day><month>").append(t.getMonthValue()).append("</month><year>").append(t.getYear())
                .append("</year></when>");
        }
        if (helper && s.helper() != null) {
            sb.append("<helper>").append(s.helper()).append("</helper>");
        }
        return sb.append("</flow>").toString();
    }

    /** DCCP's protocol number: ports like TCP's (no tracker here). */
    private static final int DCCP = 33;

    private static void xmlDirection(StringBuilder sb, Tuple t, String dir, int zone, long[] counters, int at) {
        sb.append("<meta direction=\"").append(dir).append("\"><layer3 protonum=\"").append(t.family)
            .append("\" protoname=\"").append(Family.name(t.family)).append("\"><src>");
        Addr.append(sb, t.family, t.srcHi, t.srcLo).append("</src><dst>");
        Addr.append(sb, t.family, t.dstHi, t.dstLo).append("</dst></layer3><layer4 protonum=\"").append(t.proto)
            .append("\" protoname=\"").append(IpProto.ctName(t.proto)).append("\">");
        switch (t.proto) {
            case IpProto.TCP: case IpProto.UDP: case IpProto.UDPLITE: case IpProto.SCTP: case DCCP:
                sb.append("<sport>").append(t.srcPort).append("</sport><dport>").append(t.dstPort).append("</dport>");
                break;
            case IpProto.GRE:
                sb.append("<srckey>0x").append(Integer.toHexString(t.srcPort & 0xffff)).append("</srckey><dstkey>0x")
                    .append(Integer.toHexString(t.dstPort & 0xffff)).append("</dstkey>");
                break;
            default:
                break;
        }
        sb.append("</layer4>");
        if (zone != 0) {
            sb.append("<zone>").append(zone).append("</zone>");
        }
        if (counters != null) {
            sb.append("<counters><packets>").append(counters[at]).append("</packets><bytes>").append(counters[at + 1])
                .append("</bytes></counters>");
        }
        sb.append("</meta>");
    }

    /** One {@code conntrack -L expect} line. */
    public static String expectation(ExpectationSnapshot x) {
        StringBuilder sb = new StringBuilder(256);
        expectationEntry(sb, x);
        return sb.toString();
    }

    /** One {@code conntrack -E expect} line, with the timestamp prefix if asked. */
    public static String expectationEvent(ExpectationEvent e, boolean timestamp) {
        StringBuilder sb = new StringBuilder(256);
        if (timestamp) {
            timestamp(sb, e.wallNanos());
        }
        padLeft9(sb, e.type() == CtEvent.EXP_NEW ? "[NEW]" : "[DESTROY]").append(' ');
        expectationEntry(sb, e.expectation());
        return sb.toString();
    }

    /**
     * The {@code -o timestamp} prefix. conntrack prints the microseconds left-justified without zero padding
     * ({@code [1795268197.987   ]} is .000987); this copies that.
     */
    public static StringBuilder timestamp(StringBuilder sb, long wallNanos) {
        long sec = Math.floorDiv(wallNanos, 1_000_000_000L);
        long usec = Math.floorMod(wallNanos, 1_000_000_000L) / 1000;
        sb.append('[');
        // appended in place, then padded: this runs for every event a replay writes
        int start = sb.length();
        sb.append(sec);
        pad(sb, start + 8);
        sb.append('.');
        start = sb.length();
        sb.append(usec);
        pad(sb, start + 6);
        return sb.append("]\t");
    }

    /** C's {@code ctime} of a wall-clock time, whole seconds, in the local time zone, without its newline. */
    private static String ctime(long wallNanos) {
        return CTIME.format(java.time.Instant.ofEpochSecond(Math.floorDiv(wallNanos, 1_000_000_000L))
            .atZone(java.time.ZoneId.systemDefault()));
    }

    private static final java.time.format.DateTimeFormatter CTIME =
        java.time.format.DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", java.util.Locale.ENGLISH);

    private static void entry(StringBuilder sb, ConnectionSnapshot s, boolean l3, boolean timeout, boolean state,
        boolean mark, boolean helper, boolean use, boolean id, LabelMap labels, boolean ktimestamp) {
        Tuple o = s.orig();
        Tuple r = s.reply();
        if (l3) {
            padRight(sb, Family.name(o.family), 8).append(' ').append(o.family).append(' ');
        }
        padRight(sb, s.protoName(), 8).append(' ').append(o.proto).append(' ');
        if (timeout) {
            sb.append(s.timeoutSeconds()).append(' ');
        }
        if (state) {
            sb.append(s.state()).append(' ');
        }
        addresses(sb, o, "src", "dst");
        l4(sb, s.origL4());
        // ctnetlink gives a tuple's zone only for a zone of that one direction, and zone= only for one of both
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_ORIGINAL) {
            sb.append("zone-orig=").append(s.zone()).append(' ');
        }
        long[] c = s.counters();
        if (c != null) {
            sb.append("packets=").append(c[0]).append(" bytes=").append(c[1]).append(' ');
        }
        if ((s.status() & Status.SEEN_REPLY) == 0) {
            sb.append("[UNREPLIED] ");
        }
        addresses(sb, r, "src", "dst");
        l4(sb, s.replyL4());
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_REPLY) {
            sb.append("zone-reply=").append(s.zone()).append(' ');
        }
        if (c != null) {
            sb.append("packets=").append(c[2]).append(" bytes=").append(c[3]).append(' ');
        }
        if ((s.status() & Status.HW_OFFLOAD) != 0) {
            sb.append("[HW_OFFLOAD] ");
        } else if ((s.status() & Status.OFFLOAD) != 0) {
            sb.append("[OFFLOAD] ");
        } else if ((s.status() & Status.ASSURED) != 0) {
            sb.append("[ASSURED] ");
        }
        if (mark) {
            sb.append("mark=").append(Integer.toUnsignedString(s.mark())).append(' ');
        }
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_BOTH) {
            sb.append("zone=").append(s.zone()).append(' ');
        }
        if (s.deltaTimeSeconds() >= 0) {
            sb.append("delta-time=").append(s.deltaTimeSeconds()).append(' ');
        }
        if (ktimestamp && s.startNanos() != 0) {
            sb.append("[start=").append(ctime(s.startNanos())).append("] ");
        }
        if (ktimestamp && s.stopNanos() != 0) {
            sb.append("[stop=").append(ctime(s.stopNanos())).append("] ");
        }
        if (helper && s.helper() != null) {
            sb.append("helper=").append(s.helper()).append(' ');
        }
        if (use) {
            sb.append("use=").append(s.use()).append(' ');
        }
        if (id) {
            sb.append("id=").append(Integer.toUnsignedString(s.id())).append(' ');
        }
        if (labels != null && (s.labelsLo() != 0 || s.labelsHi() != 0)) {
            labels(sb, s.labelsLo(), s.labelsHi(), labels);
        }
        sb.setLength(sb.length() - 1);
    }

    /**
     * {@code labels=} and the names of the labels set, comma-separated; labels without a name are left out. Like
     * the library, which takes back the last character written before the closing blank, it prints
     * {@code labels} alone when no label has a name.
     */
    private static void labels(StringBuilder sb, long lo, long hi, LabelMap map) {
        sb.append("labels=");
        for (int bit = 0; bit < ConnLabels.BITS; bit++) {
            if (!ConnLabels.test(lo, hi, bit)) {
                continue;
            }
            String name = map.name(bit);
            if (name != null && !name.isEmpty()) {
                sb.append(name).append(',');
            }
        }
        sb.setLength(sb.length() - 1);
        sb.append(' ');
    }

    private static void expectationEntry(StringBuilder sb, ExpectationSnapshot x) {
        Tuple t = x.tuple();
        if (x.timeoutSeconds() >= 0) {
            sb.append(x.timeoutSeconds()).append(' ');
        }
        sb.append("proto=").append(t.proto).append(' ');
        addresses(sb, t, "src", "dst");
        l4(sb, x.tupleL4());
        addresses(sb, x.mask(), "mask-src", "mask-dst");
        l4(sb, x.maskL4());
        addresses(sb, x.master(), "master-src", "master-dst");
        l4(sb, x.masterL4());
        if (x.zone() != 0) {
            sb.append("zone=").append(x.zone()).append(' ');
        }
        int f = x.flags();
        if ((f & (Expectation.FLAG_PERMANENT | Expectation.FLAG_INACTIVE | Expectation.FLAG_USERSPACE)) != 0) {
            String sep = "";
            if ((f & Expectation.FLAG_PERMANENT) != 0) {
                sb.append("PERMANENT");
                sep = ",";
            }
            if ((f & Expectation.FLAG_INACTIVE) != 0) {
                sb.append(sep).append("INACTIVE");
                sep = ",";
            }
            if ((f & Expectation.FLAG_USERSPACE) != 0) {
                sb.append(sep).append("USERSPACE");
            }
            sb.append(' ');
        }
        sb.append("class=").append(x.expectClass()).append(' ');
        if (x.helper() != null) {
            sb.append("helper=").append(x.helper()).append(' ');
        }
        sb.setLength(sb.length() - 1);
    }

    private static void addresses(StringBuilder sb, Tuple t, String srcTag, String dstTag) {
        sb.append(srcTag).append('=');
        Addr.append(sb, t.family, t.srcHi, t.srcLo).append(' ');
        sb.append(dstTag).append('=');
        Addr.append(sb, t.family, t.dstHi, t.dstLo).append(' ');
    }

    private static void l4(StringBuilder sb, String text) {
        if (!text.isEmpty()) {
            sb.append(text).append(' ');
        }
    }

    /** {@code s} right-aligned in 9 columns ({@code %9s}). */
    private static StringBuilder padLeft9(StringBuilder sb, String s) {
        for (int i = s.length(); i < 9; i++) {
            sb.append(' ');
        }
        return sb.append(s);
    }

    /** Spaces up to length {@code end}. */
    private static void pad(StringBuilder sb, int end) {
        while (sb.length() < end) {
            sb.append(' ');
        }
    }

    private static StringBuilder padRight(StringBuilder sb, String s, int width) {
        sb.append(s);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb;
    }

    /** {@code sport=%u dport=%u}: the L4 text of port-based protocols (TCP, UDP, UDP-Lite, SCTP, DCCP). */
    public static String ports(Tuple t) {
        return "sport=" + t.srcPort + " dport=" + t.dstPort;
    }
}
