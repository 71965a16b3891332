package org.conntrack4j.helper.pptp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.gre.GreKeymaps;
import org.conntrack4j.proto.gre.GreTracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.Routers;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;

/**
 * The part of the reference case pptp_masq that the differential suite does not read: {@code table-during-call.txt},
 * the kernel's table while the call was up (taken between the last GRE packet of the call, frame 19, and the stray
 * one, frame 20). The capture is replayed through the router up to frame 19 and the table listed a millisecond before
 * frame 20 arrived, which gives the kernel's timeouts. {@code use=} is left out, as the suite's comparison does:
 * Linux counts the GRE connection's reference to its master there (use=2), the engine counts expectations only.
 */
class ReferenceCaseTest {
    static Path reference() {
        return TestData.oracleCases().resolve("pptp_masq");
    }

    @Test
    void theTableDuringTheCallIsTheKernels() throws Exception {
        Path dir = reference();
        CaseSpec spec = CaseSpec.load(dir);
        Plugins plugins = new Plugins();
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addTracker(new GreTracker(), IpProto.GRE);
        plugins.addExtension(new GreKeymaps(), "gre-keymap");
        plugins.addExtension(new NatComponent(), "nat");
        plugins.addHelper(new PptpHelper());
        ManualClock clock = new ManualClock(250, spec.tickPhaseNanos() >= 0 ? spec.tickPhaseNanos() : 2_380_000);
        Conntrack net = plugins.factory().create("reference:pptp_masq", clock, spec.sysctls(), true);
        Registration rules = new NftRulesets().install(net, spec.rulesetName(), spec.ruleset());
        Router router = Routers.create(net, RouterConfig.of(spec.interfaces()));
        Forwarder forwarder = router.forwarder((port, t, b, o, n) -> { });
        List<String> table = new ArrayList<>();
        try (CaptureReader in = CaptureReader.open(dir.resolve("ingress.pcapng"))) {
            Result result = new Result();
            CaptureFrame f;
            for (int i = 1; (f = in.next()) != null; i++) {
                if (i == 20) {
                    clock.setWallNanos(f.timestampNanos() - 1_000_000);
                    net.table().expire();
                    net.table().list(null).forEach(s -> table.add(normal(CtFormat.listLine(s))));
                    break;
                }
                clock.setWallNanos(f.timestampNanos());
                net.table().expire();
                byte[] b = f.copyBytes();
                forwarder.receive(f.interfaceName(), f.linkType(), b, 0, b.length, f.timestampNanos(), i, result);
            }
        } finally {
            router.close();
            rules.close();
            net.close();
        }
        List<String> kernel = new ArrayList<>();
        Files.readAllLines(dir.resolve("table-during-call.txt")).forEach(l -> kernel.add(normal(l)));
        kernel.sort(null);
        table.sort(null);
        assertEquals(kernel, table);
    }

    private static String normal(String line) {
        return line.replaceAll("\\s+", " ").replaceAll(" use=\\d+", "").replaceAll(" id=\\d+", "").trim();
    }
}
