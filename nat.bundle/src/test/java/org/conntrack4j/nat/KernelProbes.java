package org.conntrack4j.nat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.KernelCase;

/**
 * The NAT probes of testdata/probes/nat (kernel cases recorded by tools/kernellab, subject probe_nat), as the
 * tests read them.
 */
final class KernelProbes {
    private static final Pattern ENTRY =
        Pattern.compile("src=(\\S+) dst=(\\S+) sport=(\\d+) dport=(\\d+) .*?src=(\\S+) dst=(\\S+) sport=(\\d+) dport=(\\d+)");

    /** A frame the router received or sent, from the IP header on. */
    record Frame(String iface, byte[] ip) {
    }

    private KernelProbes() {
    }

    /**
     * The UDP connections of probe range_SCENARIO (its table.txt), each as the original tuple's source, destination
     * and ports, then the reply tuple's: [src, dst, sport, dport, reply src, reply dst, reply sport, reply dport].
     */
    static List<List<String>> rangeRows(String scenario) {
        List<List<String>> rows = new ArrayList<>();
        for (String l : KernelCase.probe("nat", "range_" + scenario).read("table.txt").lines().toList()) {
            Matcher m = ENTRY.matcher(l);
            if (l.contains(" udp ") && m.find()) {
                List<String> r = new ArrayList<>();
                for (int g = 1; g <= 8; g++) {
                    r.add(m.group(g));
                }
                rows.add(r);
            }
        }
        return rows;
    }

    /** The frames of one of a probe's captures (ingress.pcapng or egress.pcapng), in their order there. */
    static List<Frame> frames(String name, String capture) {
        KernelCase kc = KernelCase.probe("nat", name);
        List<Frame> out = new ArrayList<>();
        for (Capture.Frame f : capture.startsWith("ingress") ? kc.ingress() : kc.egress()) {
            out.add(new Frame(f.iface(), f.ip()));
        }
        return out;
    }
}
