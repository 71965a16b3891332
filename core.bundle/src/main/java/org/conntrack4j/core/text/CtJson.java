package org.conntrack4j.core.text;

import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;

/**
 * Connections as JSON, one object per connection on one line ({@code ct:list -o json}; conntrack-tools has no JSON).
 * The schema, version {@value #VERSION} (README, "The shell"): {@code version}, {@code id}, {@code family}
 * ({@code ipv4}/{@code ipv6}), {@code protocol} (conntrack's name) and {@code protonum}, {@code state} (trackers with
 * states), {@code timeout} (seconds left), {@code status} (the set status bits by Linux's names, without
 * {@code IPS_}), {@code mark}, {@code zone} (of both directions), {@code use}, {@code helper}, {@code labels} (bit
 * numbers), {@code deltatime}; {@code original} and {@code reply}, each with {@code src}, {@code dst}, then
 * {@code sport}/{@code dport} (ports), {@code srckey}/{@code dstkey} (GRE) or {@code type}/{@code code}/{@code id}
 * (ICMP), {@code zone} (of that direction alone) and {@code packets}/{@code bytes} (with accounting). Members
 * without a value are left out; new members may come within a version, a change of meaning takes a new one.
 *
 * @since 1.1
 */
public final class CtJson {
    /** The schema's version, the first member of every object. */
    public static final int VERSION = 1;

    private CtJson() {
    }

    /** One connection as one JSON object, on one line. */
    public static String flow(ConnectionSnapshot s) {
        return members(new StringBuilder(512).append("{\"version\":").append(VERSION), s).append('}').toString();
    }

    /**
     * One event as one JSON object, on one line ({@code ct:events -o json}): the connection's object with, after
     * {@code version}, {@code event} ({@code new}, {@code update} or {@code destroy}) and {@code time} (wall clock,
     * seconds since the epoch with microseconds, as {@code -o timestamp} prints it).
     *
     * @since 1.1
     */
    public static String event(ConntrackEvent e) {
        StringBuilder sb = new StringBuilder(560).append("{\"version\":").append(VERSION).append(",\"event\":\"")
            .append(e.type() == ConntrackEvent.NEW ? "new" : e.type() == ConntrackEvent.DESTROY ? "destroy" : "update")
            .append("\",\"time\":").append(Math.floorDiv(e.wallNanos(), 1_000_000_000L)).append('.');
        String micros = Long.toString(Math.floorMod(e.wallNanos(), 1_000_000_000L) / 1000 + 1_000_000);
        sb.append(micros, 1, micros.length());
        return members(sb, e.connection()).append('}').toString();
    }

    /** The members of a connection's object after the first, each with its leading comma. */
    private static StringBuilder members(StringBuilder sb, ConnectionSnapshot s) {
        sb.append(",\"id\":").append(Integer.toUnsignedString(s.id()));
        sb.append(",\"family\":\"").append(Family.name(s.family())).append('"');
        sb.append(",\"protocol\":");
        string(sb, IpProto.ctName(s.protocol())).append(",\"protonum\":").append(s.protocol());
        if (s.state() != null) {
            string(sb.append(",\"state\":"), s.state());
        }
        if (s.timeoutSeconds() >= 0) {
            sb.append(",\"timeout\":").append(s.timeoutSeconds());
        }
        sb.append(",\"status\":[");
        String names = org.conntrack4j.core.api.Status.names(s.status());
        if (!names.isEmpty()) {
            sb.append('"').append(names.replace(",", "\",\"")).append('"');
        }
        sb.append("],\"mark\":").append(Integer.toUnsignedString(s.mark()));
        sb.append(",\"zone\":").append(s.zoneDir() == Zone.DIR_BOTH ? s.zone() : 0);
        sb.append(",\"use\":").append(s.use());
        if (s.helper() != null) {
            string(sb.append(",\"helper\":"), s.helper());
        }
        if (s.labelsLo() != 0 || s.labelsHi() != 0) {
            sb.append(",\"labels\":[");
            boolean first = true;
            for (int bit = 0; bit < ConnLabels.BITS; bit++) {
                if (ConnLabels.test(s.labelsLo(), s.labelsHi(), bit)) {
                    sb.append(first ? "" : ",").append(bit);
                    first = false;
                }
            }
            sb.append(']');
        }
        if (s.deltaTimeSeconds() >= 0) {
            sb.append(",\"deltatime\":").append(s.deltaTimeSeconds());
        }
        long[] c = s.counters();
        direction(sb.append(",\"original\":"), s.orig(), s.zoneDir() == Zone.DIR_ORIGINAL ? s.zone() : 0, c, 0);
        direction(sb.append(",\"reply\":"), s.reply(), s.zoneDir() == Zone.DIR_REPLY ? s.zone() : 0, c, 2);
        return sb;
    }

    private static void direction(StringBuilder sb, Tuple t, int zone, long[] counters, int at) {
        sb.append("{\"src\":\"");
        Addr.append(sb, t.family, t.srcHi, t.srcLo).append("\",\"dst\":\"");
        Addr.append(sb, t.family, t.dstHi, t.dstLo).append('"');
        switch (t.proto) {
            case IpProto.TCP: case IpProto.UDP: case IpProto.UDPLITE: case IpProto.SCTP: case DCCP:
                sb.append(",\"sport\":").append(t.srcPort).append(",\"dport\":").append(t.dstPort);
                break;
            case IpProto.GRE:
                sb.append(",\"srckey\":").append(t.srcPort & 0xffff).append(",\"dstkey\":").append(t.dstPort & 0xffff);
                break;
            case IpProto.ICMP: case IpProto.ICMPV6:
                sb.append(",\"type\":").append(t.icmpType()).append(",\"code\":").append(t.icmpCode())
                    .append(",\"id\":").append(t.icmpId());
                break;
            default:
                break;
        }
        if (zone != 0) {
            sb.append(",\"zone\":").append(zone);
        }
        if (counters != null) {
            sb.append(",\"packets\":").append(counters[at]).append(",\"bytes\":").append(counters[at + 1]);
        }
        sb.append('}');
    }

    /** DCCP's protocol number: ports like TCP's. */
    private static final int DCCP = 33;

    /**
     * Appends {@code s} as a JSON string (quotes, backslashes and control characters escaped) and returns
     * {@code sb}: the one JSON string writer of the project's JSON outputs.
     *
     * @since 1.2
     */
    public static StringBuilder string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.append('"');
    }
}
