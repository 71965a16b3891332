package org.conntrack4j.proto.sctp.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * The SCTP tracker bundle, built against the exported API alone: it serves SCTP while it runs, {@code ct:trackers}
 * names it with its bundle, and stopping it destroys the SCTP connections it made and leaves SCTP to the generic
 * tracker, every other connection untouched; starting it again takes SCTP back.
 */
class SctpBundleTest {
    private static final String BSN = "org.conntrack4j.proto.sctp";
    private static final String CLIENT = "198.51.100.10";
    private static final String SERVER = "203.0.113.10";

    @InjectService
    Conntrack conntrack;

    @InjectService
    CommandProcessor shell;

    private final BundleContext own = FrameworkUtil.getBundle(SctpBundleTest.class).getBundleContext();

    private Bundle sctp() {
        return Arrays.stream(own.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @AfterEach
    void restore() throws Exception {
        if (sctp().getState() != Bundle.ACTIVE) {
            sctp().start();
        }
        conntrack.table().delete(null);
    }

    private String run(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession s = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            s.execute(command);
        } finally {
            s.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines(int proto) {
        return conntrack.table().list(c -> c.protocol() == proto).stream().map(CtFormat::listLine).toList();
    }

    @Test
    void theBundleImportsOnlyTheExportedApi() {
        String imports = sctp().getHeaders().get("Import-Package");
        for (String pkg : imports.split(",(?=[a-z])")) {
            String name = pkg.split(";")[0].trim();
            assertTrue(name.startsWith("java.") || name.startsWith("org.osgi.") || name.equals("org.conntrack4j.core.api")
                || name.equals("org.conntrack4j.core.spi") || name.equals("org.conntrack4j.core.inet")
                || name.equals("org.conntrack4j.core.text"), "unexpected import " + name);
        }
    }

    @Test
    void ctTrackersListsSctpWithItsBundle() throws Exception {
        String table = run("ct:trackers");
        assertTrue(table.lines().anyMatch(l -> l.matches("132 +sctp +ipv4,ipv6 +active +" + BSN.replace(".", "\\.")
            + ".*")), table);
    }

    @Test
    void stoppingTheBundle_destroysItsConnections_leavesOthers_andSctpFallsBackToTheGenericTracker() throws Exception {
        conntrack.table().delete(null);
        assertEquals("new", ItPackets.forward(conntrack, ItPackets.sctpInit(CLIENT, 40001, SERVER, 3868, 0x1a2b3c4d)));
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, CLIENT, 5353, SERVER, 53, 0));
        assertEquals("sctp", conntrack.services().tracker(Family.IPV4, IpProto.SCTP).name());
        assertTrue(lines(IpProto.SCTP).get(0).contains(" CLOSED src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868"),
            lines(IpProto.SCTP).toString());

        sctp().stop();
        assertEquals(List.of(), lines(IpProto.SCTP));
        assertEquals(1, lines(IpProto.UDP).size(), "the UDP connection stays");
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, IpProto.SCTP));
        assertTrue(run("ct:trackers").lines().noneMatch(l -> l.contains(BSN)));
        // SCTP is still tracked, generically: by addresses, without ports or state
        ItPackets.forward(conntrack, ItPackets.sctpInit(CLIENT, 40002, SERVER, 3868, 0x1a2b3c4e));
        assertTrue(lines(IpProto.SCTP).get(0).matches("ipv4 +2 sctp +132 \\d+ src=198.51.100.10 dst=203.0.113.10 "
            + "\\[UNREPLIED\\] src=203.0.113.10 dst=198.51.100.10 .*"), lines(IpProto.SCTP).toString());

        sctp().start();
        assertEquals(List.of(), lines(IpProto.SCTP), "a tracker arriving replaces the generic entries");
        assertEquals("sctp", conntrack.services().tracker(Family.IPV4, IpProto.SCTP).name());
        assertEquals("new", ItPackets.forward(conntrack, ItPackets.sctpInit(CLIENT, 40003, SERVER, 3868, 0x1a2b3c4f)));
        assertTrue(lines(IpProto.SCTP).get(0).contains(" CLOSED "), lines(IpProto.SCTP).toString());
        assertEquals(1, lines(IpProto.UDP).size());
    }
}
