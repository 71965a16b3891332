package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.Routers;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * FTP sessions recorded on a Linux 6.18 router (tools/kernellab, subject probe_ftp; kernel cases in
 * testdata/probes/ftp/NAME): crafted control connections with pipelined, cut, retransmitted and malformed commands,
 * third-host and out-of-range numbers, floods, IPv6, with and without masquerade, sent one frame at a time. Each
 * is replayed through the router of the replay module with the TCP tracker, NAT, the rules evaluator and this
 * helper; after every frame the TCP segments the router sent (egress.pcapng, bytes from the IP header on, those
 * captured before the next frame arrived) and the live expectations (expect.txt, "after frame N") must be the
 * kernel's.
 */
class KernelProbeTest {
    private static final Pattern EXPECTED = Pattern.compile("proto=6 (src=\\S+ dst=\\S+ sport=\\d+ dport=\\d+)");

    @TestFactory
    Stream<DynamicTest> everyRecordedProbeAgreesFrameByFrame() {
        List<Path> cases = TestData.cases(TestData.probes("ftp"), d -> Files.isRegularFile(d.resolve("expect.txt")));
        assertFalse(cases.isEmpty(), "no kernel probes found in testdata/probes/ftp");
        return cases.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> replay(d)));
    }

    /** One frame the kernel's router received and the TCP segments it sent before the next one arrived. */
    private record Step(String iface, int linkType, long nanos, byte[] bytes, List<String> egress) {
    }

    private static void replay(Path dir) throws Exception {
        KernelCase kc = KernelCase.at(dir);
        List<Step> steps = kernelSteps(kc);
        Map<Integer, List<String>> expected = expectationsAfterFrames(kc);
        CaseSpec spec = CaseSpec.load(dir);
        Plugins plugins = new Plugins();
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addExtension(new NatComponent(), "nat");
        plugins.addHelper(new FtpHelper());
        ManualClock clock = new ManualClock(250);
        Conntrack net = plugins.factory().create("probe:" + spec.name(), clock, spec.sysctls(), true);
        Registration rules = new NftRulesets().install(net, spec.rulesetName(), spec.ruleset());
        List<String> egress = new ArrayList<>();
        Router router = Routers.create(net, RouterConfig.of(spec.interfaces()));
        Forwarder forwarder = router.forwarder((port, t, b, o, n) -> {
            if (tcp(b, o + 14)) {
                egress.add(router.devices().get(port).name() + " " + hex(b, o + 14, ipLength(b, o + 14, n - 14)));
            }
        });
        try {
            Result result = new Result();
            int i = 0;
            for (Step step : steps) {
                clock.setWallNanos(step.nanos());
                net.table().expire();
                egress.clear();
                forwarder.receive(step.iface(), step.linkType(), step.bytes(), 0, step.bytes().length, step.nanos(), i,
                    result);
                i++;
                String where = dir.getFileName() + " frame " + i + " (" + result.fate + ")";
                List<String> want = new ArrayList<>(step.egress());
                Collections.sort(want);
                Collections.sort(egress);
                assertEquals(want, egress, where + ": segments sent");
                assertEquals(expected.get(i), expectations(net), where + ": expectations");
            }
            assertEquals(expected.size(), i, "frames with the expectations listed after them");
        } finally {
            rules.close();
            net.close();
        }
    }

    /** The ingress frames, each with the TCP segments of egress.pcapng captured from it until the next one. */
    private static List<Step> kernelSteps(KernelCase kc) {
        List<Step> steps = new ArrayList<>();
        for (Capture.Frame f : kc.ingress()) {
            steps.add(new Step(f.iface(), f.linkType(), f.nanos(), f.data(), new ArrayList<>()));
        }
        for (Capture.Frame f : kc.egress()) {
            byte[] b = f.data();
            if (!tcp(b, 14)) {
                continue;
            }
            Step owner = null;
            for (Step s : steps) {
                if (s.nanos() <= f.nanos()) {
                    owner = s;
                }
            }
            assertTrue(owner != null, kc.name() + ": a segment sent before any frame arrived");
            owner.egress().add(f.iface() + " " + hex(b, 14, ipLength(b, 14, b.length - 14)));
        }
        return steps;
    }

    /** expect.txt's sections "after frame N", each reduced as {@link #expectations} reduces ours. */
    private static Map<Integer, List<String>> expectationsAfterFrames(KernelCase kc) {
        Map<Integer, List<String>> m = new LinkedHashMap<>();
        kc.expectationsAfterFrames().forEach((frame, lines) -> {
            List<String> reduced = new ArrayList<>();
            for (String l : lines) {
                Matcher x = EXPECTED.matcher(l);
                reduced.add(x.find() ? x.group(1) : l);
            }
            Collections.sort(reduced);
            m.put(frame, reduced);
        });
        return m;
    }

    /** The live expectations as the kernel's {@code conntrack -L expect} names them. */
    private static List<String> expectations(Conntrack net) {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            Matcher m = EXPECTED.matcher(CtFormat.expectation(x));
            out.add(m.find() ? m.group(1) : CtFormat.expectation(x));
        }
        Collections.sort(out);
        return out;
    }

    private static boolean tcp(byte[] b, int ip) {
        return (b[ip] & 0xf0) == 0x40 ? b[ip + 9] == IpProto.TCP : b[ip + 6] == IpProto.TCP;
    }

    /** The IP packet's own length (total length, or payload length plus the fixed header), at most {@code n}. */
    private static int ipLength(byte[] b, int ip, int n) {
        int len = (b[ip] & 0xf0) == 0x40 ? (b[ip + 2] & 0xff) << 8 | b[ip + 3] & 0xff
            : 40 + ((b[ip + 4] & 0xff) << 8 | b[ip + 5] & 0xff);
        return Math.min(len, n);
    }

    private static String hex(byte[] b, int off, int n) {
        StringBuilder sb = new StringBuilder(2 * n);
        for (int i = off; i < off + n; i++) {
            sb.append(Character.forDigit((b[i] >>> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }
}
