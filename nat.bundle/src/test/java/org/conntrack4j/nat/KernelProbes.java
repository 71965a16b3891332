package org.conntrack4j.nat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;

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

    static Path probe(String name) {
        return NatLab.testdata("probes/nat").resolve(name);
    }

    /**
     * The UDP connections of probe range_SCENARIO (its table.txt), each as the original tuple's source, destination
     * and ports, then the reply tuple's: [src, dst, sport, dport, reply src, reply dst, reply sport, reply dport].
     */
    static List<List<String>> rangeRows(String scenario) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (String l : Files.readAllLines(probe("range_" + scenario).resolve("table.txt"))) {
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
    static List<Frame> frames(String name, String capture) throws IOException {
        List<Frame> out = new ArrayList<>();
        try (CaptureReader in = CaptureReader.open(probe(name).resolve(capture))) {
            for (CaptureFrame f; (f = in.next()) != null;) {
                byte[] b = f.copyBytes();
                int len = (b[14] & 0xf0) == 0x40 ? (b[16] & 0xff) << 8 | b[17] & 0xff
                    : 40 + ((b[18] & 0xff) << 8 | b[19] & 0xff);
                byte[] ip = new byte[Math.min(len, b.length - 14)];
                System.arraycopy(b, 14, ip, 0, ip.length);
                out.add(new Frame(f.interfaceName(), ip));
            }
        }
        return out;
    }
}
