package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.replay.json.JsonParser;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.router.Router;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.rules.eval.NftRulesets;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * FTP sessions recorded on a Linux 6.18 router (src/test/kernel-probes, see its README): crafted control
 * connections with pipelined, cut, retransmitted and malformed commands, third-host and out-of-range numbers,
 * floods, IPv6, with and without masquerade. Each is replayed through the router of the replay module with the
 * TCP tracker, NAT, the rules evaluator and this helper; after every frame the TCP segments the router sent
 * (bytes from the IP header on) and the live expectations must be the kernel's.
 */
class KernelProbeTest {
    private static final Pattern EXPECTED = Pattern.compile("proto=6 (src=\\S+ dst=\\S+ sport=\\d+ dport=\\d+)");

    static Path probes() {
        return Paths.get("src", "test", "kernel-probes", "cases");
    }

    @TestFactory
    Stream<DynamicTest> everyRecordedProbeAgreesFrameByFrame() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(probes())) {
            cases = s.filter(d -> Files.isRegularFile(d.resolve("kernel.json"))).sorted().collect(Collectors.toList());
        }
        assertFalse(cases.isEmpty(), "no kernel probes found in " + probes().toAbsolutePath());
        return cases.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> replay(d)));
    }

    @SuppressWarnings("unchecked")
    private static void replay(Path dir) throws Exception {
        List<Object> kernel = (List<Object>) JsonParser.parse(dir.resolve("kernel.json"));
        CaseSpec spec = CaseSpec.load(dir);
        Registry reg = new Registry();
        reg.addTracker(new TcpTracker(), IpProto.TCP, true, true, reg.localId(), 0, "org.conntrack4j.proto.tcp");
        reg.addExtension(new NatComponent(), "nat", reg.localId(), 0, "org.conntrack4j.nat");
        reg.addHelper(new FtpHelper(), reg.localId(), 0, "org.conntrack4j.helper.ftp");
        ManualClock clock = new ManualClock(250);
        Conntrack net = EngineFactory.create(reg, "probe:" + spec.name(), clock, spec.sysctls(), true);
        Registration rules = new NftRulesets().install(net, spec.rulesetName(), spec.ruleset());
        List<String> egress = new ArrayList<>();
        Router router = new Router(net, spec.interfaces(), (ifc, t, b, o, n) -> {
            if (tcp(b, o + 14)) {
                egress.add(ifc + " " + hex(b, o + 14, n - 14));
            }
        });
        try (CaptureReader reader = CaptureReader.open(spec.capture())) {
            Router.Result result = new Router.Result();
            CaptureFrame f;
            int i = 0;
            while ((f = reader.next()) != null) {
                clock.setWallNanos(f.timestampNanos());
                net.table().expire();
                egress.clear();
                router.receive(f.interfaceName(), f.linkType(), f.array(), f.offset(), f.capturedLength(),
                    f.timestampNanos(), result);
                Map<String, Object> step = (Map<String, Object>) kernel.get(i++);
                String where = dir.getFileName() + " frame " + i + " (" + result.fate + ")";
                List<String> want = new ArrayList<>();
                for (Object e : (List<Object>) step.get("egress")) {
                    List<Object> pair = (List<Object>) e;
                    want.add(pair.get(0) + " " + pair.get(1));
                }
                Collections.sort(want);
                Collections.sort(egress);
                assertEquals(want, egress, where + ": segments sent");
                assertEquals(step.get("expect"), expectations(net), where + ": expectations");
            }
            assertEquals(kernel.size(), i, "frames recorded");
        } finally {
            rules.close();
            net.close();
        }
    }

    /** The live expectations as the kernel's {@code /proc/net/nf_conntrack_expect} names them. */
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

    private static String hex(byte[] b, int off, int n) {
        StringBuilder sb = new StringBuilder(2 * n);
        for (int i = off; i < off + n; i++) {
            sb.append(Character.forDigit((b[i] >>> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }
}
