package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.osgi.service.log.Logger;

/**
 * {@code log [prefix ".."] [group N]}: a line in the style of the kernel's packet log
 * ({@code PREFIX IN=lan OUT= SRC=.. DST=.. LEN=.. PROTO=TCP SPT=.. DPT=..}) to the Log Service logger
 * {@value #LOGGER} of the rules bundle at DEBUG (its level is set at runtime, README "Logging"). Nothing is built
 * unless that level is enabled; without a logger (outside a framework) nothing is logged. The group (nflog) has no Java
 * counterpart; it is kept for listings only.
 */
final class LogExpr extends Expr {
    static final String LOGGER = "org.conntrack4j.rules.log";

    private final String prefix;
    private final Logger log;

    LogExpr(String prefix, Logger log) {
        this.prefix = prefix;
        this.log = log;
    }

    @Override
    int eval(Packet p, long info) {
        if (log != null && log.isDebugEnabled()) {
            log.debug("{}", describe(p, info, prefix));
        }
        return CONTINUE;
    }

    static String describe(Packet p, long info, String prefix) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(prefix);
        sb.append("IN=").append(name(p.in)).append(" OUT=").append(name(p.out));
        int len = p.length();
        if (p.family == Family.IPV4 && len >= 20) {
            sb.append(" SRC=").append(Addr.toText(Family.IPV4, 0, p.u32(12) & 0xffffffffL));
            sb.append(" DST=").append(Addr.toText(Family.IPV4, 0, p.u32(16) & 0xffffffffL));
            sb.append(" LEN=").append(p.u16(2)).append(" TTL=").append(p.u8(8)).append(" ID=").append(p.u16(4));
        } else if (p.family == Family.IPV6 && len >= 40) {
            sb.append(" SRC=").append(Addr.toText(Family.IPV6, p.u64(8), p.u64(16)));
            sb.append(" DST=").append(Addr.toText(Family.IPV6, p.u64(24), p.u64(32)));
            sb.append(" LEN=").append(len).append(" HOPLIMIT=").append(p.u8(7));
        }
        if ((info & PktInfo.L4PROTO) != 0) {
            int proto = PktInfo.tprot(info);
            int th = PktInfo.thoff(info);
            boolean ports = (info & PktInfo.FRAGMENT) == 0 && th + 4 <= len;
            switch (proto) {
                case 6:
                    sb.append(" PROTO=TCP");
                    break;
                case 17:
                    sb.append(" PROTO=UDP");
                    break;
                case 1:
                    sb.append(" PROTO=ICMP");
                    ports = false;
                    break;
                case 58:
                    sb.append(" PROTO=ICMPv6");
                    ports = false;
                    break;
                default:
                    sb.append(" PROTO=").append(proto);
                    ports = false;
            }
            if (ports) {
                sb.append(" SPT=").append(p.u16(th)).append(" DPT=").append(p.u16(th + 2));
            }
        }
        return sb.toString();
    }

    private static String name(NetDevice d) {
        return d == null ? "" : d.name();
    }
}
