package org.conntrack4j.proto.icmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.KernelCase;
import org.junit.jupiter.api.Test;

/**
 * Differential check against the recorded kernel (testdata/oracle): verdict and logged reason of every
 * packet, events in order, the final table and the packets that leave. {@code ipv6_basic} also carries a
 * TCP connection, which belongs to another bundle: there only its ICMPv6 and UDP packets, events and entries
 * are compared (its TCP packets still pass, generically tracked). The replay is also written to
 * target/kernel-cases/NAME in the case formats, for a cross-check with the oracle's compare.py.
 */
class KernelCaseAgreementTest {
    @Test
    void icmpCaseAgreesWithTheKernelOnEveryPacket() throws IOException {
        check("icmp", row -> true, line -> true);
    }

    @Test
    void ipv6BasicAgreesWithTheKernelOnIcmpv6AndUdp() throws IOException {
        check("ipv6_basic", row -> row.summary().startsWith("ICMPv6 ") || row.summary().startsWith("UDP "),
            line -> line.matches("^(\\[\\w+\\] )?ipv6 10 (icmpv6 58|udp 17) .*"));
    }

    private static void check(String name, Predicate<KernelCase.Row> rows, Predicate<String> lines) throws IOException {
        KernelCase c = KernelCase.oracle(name);
        CaseReplay.Result r = CaseReplay.run(c);
        CaseReplay.write(r, Paths.get("target", "kernel-cases", name));

        List<KernelCase.Row> kernelRows = c.rows();
        assertEquals(kernelRows.size(), r.rows.size(), "one verdict per ingress packet");
        List<String> expected = new ArrayList<>();
        List<String> got = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < kernelRows.size(); i++) {
            KernelCase.Row k = kernelRows.get(i);
            if (!rows.test(k)) {
                continue;
            }
            compared++;
            String[] g = r.rows.get(i);
            expected.add(k.idx() + " " + k.iface() + " " + k.verdict() + " " + k.reason() + "  (" + k.summary() + ")");
            got.add(g[0] + " " + g[1] + " " + g[2] + "/" + g[3] + " " + g[4] + "  (" + k.summary() + ")");
        }
        assertTrue(compared > 0, "the case has packets of these protocols");
        assertEquals(String.join("\n", expected), String.join("\n", got), name + ": verdicts and reasons");
        assertEquals(String.join("\n", filter(c.events(), lines)), String.join("\n", filter(r.events, lines)),
            name + ": events");
        assertEquals(String.join("\n", filter(c.table(), lines)), String.join("\n", filter(r.table, lines)),
            name + ": table");
        assertEgress(c, r);
    }

    private static List<String> filter(List<String> l, Predicate<String> keep) {
        List<String> out = new ArrayList<>();
        l.stream().filter(keep).forEach(out::add);
        return out;
    }

    /**
     * Every packet the kernel sent must have left the replay too, a few places away at most (two interfaces'
     * captures interleave by time). Fields the kernel picks at random in its own packets are masked.
     */
    private static void assertEgress(KernelCase c, CaseReplay.Result r) {
        List<byte[]> own = new ArrayList<>();
        c.routerAddresses().forEach(a -> own.add(IcmpPackets.addr(a)));
        boolean[] used = new boolean[r.egress.size()];
        List<Capture.Frame> egress = c.egress();
        for (int i = 0; i < egress.size(); i++) {
            byte[] kernel = masked(egress.get(i).ip(), own);
            boolean found = false;
            for (int j = Math.max(0, i - 3); j < Math.min(used.length, i + 4) && !found; j++) {
                if (!used[j] && Arrays.equals(kernel, masked(r.egress.get(j), own))) {
                    used[j] = true;
                    found = true;
                }
            }
            assertTrue(found, c.name() + ": egress packet " + (i + 1) + " not sent by the replay");
        }
        assertEquals(egress.size(), r.egress.size(), c.name() + ": egress packet count");
    }

    /** The IPv4 identification and header checksum, or the IPv6 flow label, of the router's own packets. */
    private static byte[] masked(byte[] ip, List<byte[]> own) {
        byte[] m = ip.clone();
        boolean v4 = (m[0] >>> 4 & 0xf) == 4;
        byte[] src = Arrays.copyOfRange(m, v4 ? 12 : 8, v4 ? 16 : 24);
        boolean mine = own.stream().anyMatch(a -> Arrays.equals(a, src)) && (m[v4 ? 8 : 7] & 0xff) == 64;
        if (mine && v4) {
            m[4] = m[5] = m[10] = m[11] = 0;
        } else if (mine) {
            m[1] &= (byte) 0xf0;
            m[2] = m[3] = 0;
        }
        return m;
    }
}
