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
        return appendListLine(new TextBuffer(256), s, extended, id, labels, ktimestamp).toString();
    }

    /**
     * {@link #listLine(ConnectionSnapshot, boolean, boolean, LabelMap, boolean)} appended to {@code t} as UTF-8,
     * without a line break; returns {@code t}. Allocates nothing for an IPv4 connection with {@code ktimestamp} off.
     *
     * @since 1.3
     */
    public static TextBuffer appendListLine(TextBuffer t, ConnectionSnapshot s, boolean extended, boolean id,
        LabelMap labels, boolean ktimestamp) {
        entry(t, s, extended, s.timeoutSeconds() >= 0, s.state() != null, true, true, true, id, labels, ktimestamp);
        return t;
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
        return appendEvent(new TextBuffer(256), e, timestamp, extended, id, labels, ktimestamp).toString();
    }

    /**
     * {@link #event(ConntrackEvent, boolean, boolean, boolean, LabelMap, boolean)} appended to {@code t} as UTF-8,
     * without a line break; returns {@code t}. Allocates nothing for an IPv4 connection with {@code ktimestamp} off.
     *
     * @since 1.3
     */
    public static TextBuffer appendEvent(TextBuffer t, ConntrackEvent e, boolean timestamp, boolean extended,
        boolean id, LabelMap labels, boolean ktimestamp) {
        if (timestamp) {
            timestamp(t, e.wallNanos());
        }
        padLeft9(t, e.type() == ConntrackEvent.NEW ? "[NEW]" : e.type() == ConntrackEvent.DESTROY ? "[DESTROY]"
            : "[UPDATE]").ch(' ');
        ConnectionSnapshot s = e.connection();
        boolean state = s.state() != null && (e.type() == ConntrackEvent.DESTROY || e.has(CtEvent.PROTOINFO));
        boolean mark = s.mark() != 0 || e.has(CtEvent.MARK);
        // ctnetlink leaves the helper out of a DESTROY message, and the labels out of a message that did not change
        // them
        entry(t, s, extended, s.timeoutSeconds() >= 0, state, mark, e.type() != ConntrackEvent.DESTROY, false, id,
            e.type() != ConntrackEvent.DESTROY && e.has(CtEvent.LABEL) ? labels : null, ktimestamp);
        return t;
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
        return xml(new TextBuffer(640), s, type, s.state() != null && (destroy || e.has(CtEvent.PROTOINFO)),
            s.mark() != 0 || e.has(CtEvent.MARK), false, !destroy, !destroy && e.has(CtEvent.LABEL) ? labels : null,
            e.wallNanos(), zone).toString();
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
        return appendXmlFlow(new TextBuffer(640), s, labels).toString();
    }

    /**
     * {@link #xmlFlow(ConnectionSnapshot, LabelMap)} appended to {@code t} as UTF-8, without a line break; returns
     * {@code t}. Allocates nothing for an IPv4 connection.
     *
     * @since 1.3
     */
    public static TextBuffer appendXmlFlow(TextBuffer t, ConnectionSnapshot s, LabelMap labels) {
        return xml(t, s, null, s.state() != null, true, true, true, labels, 0, null);
    }

    private static TextBuffer xml(TextBuffer sb, ConnectionSnapshot s, String type, boolean state, boolean mark,
        boolean use, boolean helper, LabelMap labels, long whenNanos, java.time.ZoneId zone) {
        sb.str("<flow");
        if (type != null) {
            sb.str(" type=\"").str(type).ch('"');
        }
        sb.ch('>');
        long[] c = s.counters();
        xmlDirection(sb, s.orig(), "original", s.zoneDir() == Zone.DIR_ORIGINAL ? s.zone() : 0, c, 0);
        xmlDirection(sb, s.reply(), "reply", s.zoneDir() == Zone.DIR_REPLY ? s.zone() : 0, c, 2);
        sb.str("<meta direction=\"independent\">");
        if (state) {
            sb.str("<state>").str(s.state()).str("</state>");
        }
        if (s.timeoutSeconds() >= 0) {
            sb.str("<timeout>").dec(s.timeoutSeconds()).str("</timeout>");
        }
        if (mark) {
            sb.str("<mark>").decUnsigned(s.mark()).str("</mark>");
        }
        if (labels != null && (s.labelsLo() != 0 || s.labelsHi() != 0)) {
            sb.str("<labels>");
            for (int bit = 0; bit < ConnLabels.BITS; bit++) {
                String name = ConnLabels.test(s.labelsLo(), s.labelsHi(), bit) ? labels.name(bit) : null;
                if (name != null && !name.isEmpty()) {
                    sb.str("<label>").str(name).str("</label>");
                }
            }
            sb.str("</labels>");
        }
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_BOTH) {
            sb.str("<zone>").dec(s.zone()).str("</zone>");
        }
        if (use) {
            sb.str("<use>").dec(s.use()).str("</use>");
        }
        sb.str("<id>").decUnsigned(s.id()).str("</id>");
        if ((s.status() & Status.ASSURED) != 0) {
            sb.str("<assured/>");
        }
        if ((s.status() & Status.SEEN_REPLY) == 0) {
            sb.str("<unreplied/>");
        }
        if (s.deltaTimeSeconds() >= 0) {
            sb.str("<deltatime>").dec(s.deltaTimeSeconds()).str("</deltatime>");
        }
        sb.str("</meta>");
        if (zone != null) {
            java.time.LocalDateTime t = java.time.LocalDateTime.ofInstant(
                java.time.Instant.ofEpochSecond(Math.floorDiv(whenNanos, 1_000_000_000L)), zone);
            sb.str("<when><hour>").dec(t.getHour()).str("</hour><min>").zeroPadded(t.getMinute(), 2)
                .str("</min><sec>").zeroPadded(t.getSecond(), 2).str("</sec><wday>")
                .dec(t.getDayOfWeek().getValue() % 7 + 1).str("</wday><day>").dec(t.getDayOfMonth())
                .str("</day><month>").dec(t.getMonthValue()).str("</month><year>").dec(t.getYear())
                .str("</year></when>");
        }
        if (helper && s.helper() != null) {
            sb.str("<helper>").str(s.helper()).str("</helper>");
        }
        return sb.str("</flow>");
    }

    /** DCCP's protocol number: ports like TCP's (no tracker here). */
    private static final int DCCP = 33;

    private static void xmlDirection(TextBuffer sb, Tuple t, String dir, int zone, long[] counters, int at) {
        sb.str("<meta direction=\"").str(dir).str("\"><layer3 protonum=\"").dec(t.family)
            .str("\" protoname=\"").str(Family.name(t.family)).str("\"><src>");
        address(sb, t.family, t.srcHi, t.srcLo).str("</src><dst>");
        address(sb, t.family, t.dstHi, t.dstLo).str("</dst></layer3><layer4 protonum=\"").dec(t.proto)
            .str("\" protoname=\"").str(IpProto.ctName(t.proto)).str("\">");
        switch (t.proto) {
            case IpProto.TCP: case IpProto.UDP: case IpProto.UDPLITE: case IpProto.SCTP: case DCCP:
                sb.str("<sport>").dec(t.srcPort).str("</sport><dport>").dec(t.dstPort).str("</dport>");
                break;
            case IpProto.GRE:
                sb.str("<srckey>0x").hex(t.srcPort & 0xffff).str("</srckey><dstkey>0x").hex(t.dstPort & 0xffff)
                    .str("</dstkey>");
                break;
            default:
                break;
        }
        sb.str("</layer4>");
        if (zone != 0) {
            sb.str("<zone>").dec(zone).str("</zone>");
        }
        if (counters != null) {
            sb.str("<counters><packets>").dec(counters[at]).str("</packets><bytes>").dec(counters[at + 1])
                .str("</bytes></counters>");
        }
        sb.str("</meta>");
    }

    /** One {@code conntrack -L expect} line. */
    public static String expectation(ExpectationSnapshot x) {
        TextBuffer t = new TextBuffer(256);
        expectationEntry(t, x);
        return t.toString();
    }

    /** One {@code conntrack -E expect} line, with the timestamp prefix if asked. */
    public static String expectationEvent(ExpectationEvent e, boolean timestamp) {
        return appendExpectationEvent(new TextBuffer(256), e, timestamp).toString();
    }

    /**
     * {@link #expectationEvent(ExpectationEvent, boolean)} appended to {@code t} as UTF-8, without a line break;
     * returns {@code t}.
     *
     * @since 1.3
     */
    public static TextBuffer appendExpectationEvent(TextBuffer t, ExpectationEvent e, boolean timestamp) {
        if (timestamp) {
            timestamp(t, e.wallNanos());
        }
        padLeft9(t, e.type() == CtEvent.EXP_NEW ? "[NEW]" : "[DESTROY]").ch(' ');
        expectationEntry(t, e.expectation());
        return t;
    }

    /**
     * The {@code -o timestamp} prefix. conntrack prints the microseconds left-justified without zero padding
     * ({@code [1795268197.987   ]} is .000987); this copies that.
     */
    public static StringBuilder timestamp(StringBuilder sb, long wallNanos) {
        return sb.append(timestamp(new TextBuffer(32), wallNanos).toString());
    }

    /**
     * As {@link #timestamp(StringBuilder, long)}, into {@code t}.
     *
     * @since 1.3
     */
    public static TextBuffer timestamp(TextBuffer t, long wallNanos) {
        long sec = Math.floorDiv(wallNanos, 1_000_000_000L);
        long usec = Math.floorMod(wallNanos, 1_000_000_000L) / 1000;
        t.ch('[');
        // appended in place, then padded: this runs for every event a replay writes
        int start = t.length();
        t.dec(sec).spacesTo(start + 8).ch('.');
        start = t.length();
        t.dec(usec).spacesTo(start + 6);
        return t.str("]\t");
    }

    /** C's {@code ctime} of a wall-clock time, whole seconds, in the local time zone, without its newline. */
    private static String ctime(long wallNanos) {
        return CTIME.format(java.time.Instant.ofEpochSecond(Math.floorDiv(wallNanos, 1_000_000_000L))
            .atZone(java.time.ZoneId.systemDefault()));
    }

    private static final java.time.format.DateTimeFormatter CTIME =
        java.time.format.DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", java.util.Locale.ENGLISH);

    private static void entry(TextBuffer sb, ConnectionSnapshot s, boolean l3, boolean timeout, boolean state,
        boolean mark, boolean helper, boolean use, boolean id, LabelMap labels, boolean ktimestamp) {
        Tuple o = s.orig();
        Tuple r = s.reply();
        if (l3) {
            padRight(sb, Family.name(o.family), 8).ch(' ').dec(o.family).ch(' ');
        }
        padRight(sb, s.protoName(), 8).ch(' ').dec(o.proto).ch(' ');
        if (timeout) {
            sb.dec(s.timeoutSeconds()).ch(' ');
        }
        if (state) {
            sb.str(s.state()).ch(' ');
        }
        addresses(sb, o, "src", "dst");
        l4(sb, s.origL4());
        // ctnetlink gives a tuple's zone only for a zone of that one direction, and zone= only for one of both
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_ORIGINAL) {
            sb.str("zone-orig=").dec(s.zone()).ch(' ');
        }
        long[] c = s.counters();
        if (c != null) {
            sb.str("packets=").dec(c[0]).str(" bytes=").dec(c[1]).ch(' ');
        }
        if ((s.status() & Status.SEEN_REPLY) == 0) {
            sb.str("[UNREPLIED] ");
        }
        addresses(sb, r, "src", "dst");
        l4(sb, s.replyL4());
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_REPLY) {
            sb.str("zone-reply=").dec(s.zone()).ch(' ');
        }
        if (c != null) {
            sb.str("packets=").dec(c[2]).str(" bytes=").dec(c[3]).ch(' ');
        }
        if ((s.status() & Status.HW_OFFLOAD) != 0) {
            sb.str("[HW_OFFLOAD] ");
        } else if ((s.status() & Status.OFFLOAD) != 0) {
            sb.str("[OFFLOAD] ");
        } else if ((s.status() & Status.ASSURED) != 0) {
            sb.str("[ASSURED] ");
        }
        if (mark) {
            sb.str("mark=").decUnsigned(s.mark()).ch(' ');
        }
        if (s.zone() != 0 && s.zoneDir() == Zone.DIR_BOTH) {
            sb.str("zone=").dec(s.zone()).ch(' ');
        }
        if (s.deltaTimeSeconds() >= 0) {
            sb.str("delta-time=").dec(s.deltaTimeSeconds()).ch(' ');
        }
        if (ktimestamp && s.startNanos() != 0) {
            sb.str("[start=").str(ctime(s.startNanos())).str("] ");
        }
        if (ktimestamp && s.stopNanos() != 0) {
            sb.str("[stop=").str(ctime(s.stopNanos())).str("] ");
        }
        if (helper && s.helper() != null) {
            sb.str("helper=").str(s.helper()).ch(' ');
        }
        if (use) {
            sb.str("use=").dec(s.use()).ch(' ');
        }
        if (id) {
            sb.str("id=").decUnsigned(s.id()).ch(' ');
        }
        if (labels != null && (s.labelsLo() != 0 || s.labelsHi() != 0)) {
            labels(sb, s.labelsLo(), s.labelsHi(), labels);
        }
        sb.truncate(sb.length() - 1);
    }

    /**
     * {@code labels=} and the names of the labels set, comma-separated; labels without a name are left out. Like
     * the library, which takes back the last character written before the closing blank, it prints
     * {@code labels} alone when no label has a name.
     */
    private static void labels(TextBuffer sb, long lo, long hi, LabelMap map) {
        sb.str("labels=");
        for (int bit = 0; bit < ConnLabels.BITS; bit++) {
            if (!ConnLabels.test(lo, hi, bit)) {
                continue;
            }
            String name = map.name(bit);
            if (name != null && !name.isEmpty()) {
                sb.str(name).ch(',');
            }
        }
        sb.truncate(sb.length() - 1);
        sb.ch(' ');
    }

    private static void expectationEntry(TextBuffer sb, ExpectationSnapshot x) {
        Tuple t = x.tuple();
        if (x.timeoutSeconds() >= 0) {
            sb.dec(x.timeoutSeconds()).ch(' ');
        }
        sb.str("proto=").dec(t.proto).ch(' ');
        addresses(sb, t, "src", "dst");
        l4(sb, x.tupleL4());
        addresses(sb, x.mask(), "mask-src", "mask-dst");
        l4(sb, x.maskL4());
        addresses(sb, x.master(), "master-src", "master-dst");
        l4(sb, x.masterL4());
        if (x.zone() != 0) {
            sb.str("zone=").dec(x.zone()).ch(' ');
        }
        int f = x.flags();
        if ((f & (Expectation.FLAG_PERMANENT | Expectation.FLAG_INACTIVE | Expectation.FLAG_USERSPACE)) != 0) {
            String sep = "";
            if ((f & Expectation.FLAG_PERMANENT) != 0) {
                sb.str("PERMANENT");
                sep = ",";
            }
            if ((f & Expectation.FLAG_INACTIVE) != 0) {
                sb.str(sep).str("INACTIVE");
                sep = ",";
            }
            if ((f & Expectation.FLAG_USERSPACE) != 0) {
                sb.str(sep).str("USERSPACE");
            }
            sb.ch(' ');
        }
        sb.str("class=").dec(x.expectClass()).ch(' ');
        if (x.helper() != null) {
            sb.str("helper=").str(x.helper()).ch(' ');
        }
        sb.truncate(sb.length() - 1);
    }

    private static void addresses(TextBuffer sb, Tuple t, String srcTag, String dstTag) {
        sb.str(srcTag).ch('=');
        address(sb, t.family, t.srcHi, t.srcLo).ch(' ');
        sb.str(dstTag).ch('=');
        address(sb, t.family, t.dstHi, t.dstLo).ch(' ');
    }

    /** An address as {@link Addr#append} writes it: IPv4 digit by digit here, IPv6 through its text. */
    private static TextBuffer address(TextBuffer sb, int family, long hi, long lo) {
        return family == Family.IPV6 ? sb.str(Addr.toText(family, hi, lo)) : sb.ipv4((int) lo);
    }

    private static void l4(TextBuffer sb, String text) {
        if (!text.isEmpty()) {
            sb.str(text).ch(' ');
        }
    }

    /** {@code s} right-aligned in 9 columns ({@code %9s}). */
    private static TextBuffer padLeft9(TextBuffer sb, String s) {
        return sb.spacesTo(sb.length() + 9 - s.length()).str(s);
    }

    private static TextBuffer padRight(TextBuffer sb, String s, int width) {
        int start = sb.length();
        return sb.str(s).spacesTo(start + width);
    }

    /** {@code sport=%u dport=%u}: the L4 text of port-based protocols (TCP, UDP, UDP-Lite, SCTP, DCCP). */
    public static String ports(Tuple t) {
        return "sport=" + t.srcPort + " dport=" + t.dstPort;
    }
}
