package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * A kernel recording beyond the oracle cases (testdata/probes/nat/icmp_errors, made by a 6.18 router between
 * namespaces whose hosts answered with their own stacks): masquerade for IPv4 and IPv6 and a UDP port forward,
 * with a port unreachable and a time exceeded for masqueraded UDP flows (ICMP and ICMPv6), a port unreachable
 * from the forwarded LAN host, and pings both ways. Every packet the router received is forwarded here, and what
 * leaves must be the kernel's packet byte for byte.
 */
class KernelErrorProbeTest {
    @Test
    void everyForwardedPacketIsTheKernels() throws Exception {
        NatRig rig = new NatRig();
        rig.chain(Hook.POST_ROUTING, p -> {
            if (p.out != rig.wan) {
                return Verdict.ACCEPT;
            }
            boolean lanSource = p.family == Family.IPV4 ? (p.u32(12) & 0xffffff00) == (int) NatRig.ip4("198.51.100.0")
                : p.u64(8) == 0x20010db800010000L;
            return lanSource ? rig.nat.masquerade(p, NatRange.ports(-1, -1, 0), "masquerade") : Verdict.ACCEPT;
        });
        NatRange forward = NatRig.to4("198.51.100.20", 53, 53, 0);
        rig.chain(Hook.PRE_ROUTING, p -> p.in == rig.wan && p.family == Family.IPV4 && p.u32(16)
            == (int) NatRig.ip4("203.0.113.1") && p.u8(9) == IpProto.UDP && p.u16(22) == 5353
            ? rig.nat.setup(p, p.ct, forward, NatManip.DST, "port forward") : Verdict.ACCEPT);

        List<String> kernelOut = new ArrayList<>();
        for (KernelProbes.Frame f : KernelProbes.frames("icmp_errors", "egress.pcapng")) {
            if (!linkLocalOrMulticast(f.ip())) {
                kernelOut.add(f.iface() + " " + HexFormat.of().formatHex(f.ip()));
            }
        }
        List<byte[]> in = new ArrayList<>();
        List<String> ifaces = new ArrayList<>();
        for (KernelProbes.Frame f : KernelProbes.frames("icmp_errors", "ingress.pcapng")) {
            if (!linkLocalOrMulticast(f.ip())) {
                in.add(f.ip());
                ifaces.add(f.iface());
            }
        }
        assertEquals(14, in.size());
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            NatRig.Fwd f = rig.forward(in.get(i), ifaces.get(i).equals("lan") ? rig.lan : rig.wan);
            assertEquals(Verdict.ACCEPT, f.verdict, "frame " + i);
            assertTrue(f.out != null, "frame " + i + " " + f.state() + " " + HexFormat.of().formatHex(f.bytes));
            ours.add(f.out.name() + " " + HexFormat.of().formatHex(f.bytes));
        }
        for (String o : ours) {
            assertTrue(kernelOut.contains(o), "not sent by the kernel: " + o + "\nkernel: " + kernelOut);
        }
        assertEquals(kernelOut.size(), ours.size());
    }

    private static boolean linkLocalOrMulticast(byte[] b) {
        return (b[0] & 0xf0) == 0x60 && ((b[8] & 0xff) == 0xfe || (b[24] & 0xff) == 0xff);
    }
}
