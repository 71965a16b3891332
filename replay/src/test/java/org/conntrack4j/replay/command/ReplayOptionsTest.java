package org.conntrack4j.replay.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;

class ReplayOptionsTest {
    @Test
    void tickPhaseIsLeftToTheCaseUnlessGiven() {
        assertEquals(-1, ReplayOptions.parse("case", "--out", "o").tickPhaseNanos);
    }

    @Test
    void tickPhaseIsGivenInMicroseconds() {
        assertEquals(0, ReplayOptions.parse("case", "--out", "o", "--tick-phase", "0").tickPhaseNanos);
        assertEquals(1_250_500, ReplayOptions.parse("case", "--out", "o", "--tick-phase", "1250.5").tickPhaseNanos);
    }

    @Test
    void tickPhaseOutsideOneTickOrNotANumberIsAUsageError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "4000"));
        assertTrue(e.getMessage().contains("outside 0..4000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "NaN"));
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase", "x"));
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--tick-phase"));
    }

    @Test
    void recordedPortAdoptionIsOnForKernelCaseFoldersAndOffForPlainCapturesUnlessAsked() throws ReplayException {
        String dir = TestData.oracleCases().resolve("udp").toString();
        String pcap = TestData.oracleCases().resolve("udp/ingress.pcapng").toString();
        String lan = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24";
        assertTrue(ReplayOptions.parse(dir, "--out", "o").spec().adoptRandomPorts());
        assertFalse(ReplayOptions.parse(dir, "--out", "o", "--no-adopt-random").spec().adoptRandomPorts());
        assertFalse(ReplayOptions.parse("--pcap", pcap, "--iface", lan, "--out", "o").spec().adoptRandomPorts());
        assertTrue(ReplayOptions.parse("--pcap", pcap, "--iface", lan, "--out", "o", "--adopt-random").spec()
            .adoptRandomPorts());
    }

    @Test
    void routerSocketsComeFromTheCaseOrFromListenForAPlainCapture() throws ReplayException {
        String pcap = TestData.oracleCases().resolve("udp/ingress.pcapng").toString();
        String lan = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24";
        assertEquals("[udp 198.51.100.1/32:5353]", ReplayOptions.parse(TestData.folder("recorded/udp_router_socket")
            .toString(), "--out", "o").spec().sockets().toString());
        assertEquals("[tcp *:22, udp *:53]", ReplayOptions.parse("--pcap", pcap, "--iface", lan, "--listen", "tcp:22",
            "--listen", "udp:53", "--out", "o").spec().sockets().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("--pcap", pcap,
            "--iface", lan, "--listen", "udp:x", "--out", "o"));
        assertEquals("--listen udp:x: port x: not a number", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse(TestData.oracleCases().resolve("udp")
            .toString(), "--listen", "udp:53", "--out", "o"));
    }

    @Test
    void aTopologyThatCannotBeIsAUsageErrorFoundWhileParsing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("--pcap",
            "in.pcap", "--iface", "lan,02:00:00:00:01:zz,02:00:00:00:01:02,198.51.100.1/24", "--out", "o"));
        assertTrue(e.getMessage().startsWith("--iface lan,02:00:00:00:01:zz,"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("--pcap", "in.pcap", "--iface",
            "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24", "--in", "wan", "--out", "o"));
        assertEquals("--in wan: no such interface among --iface", e.getMessage());
    }

    @Test
    void anUnknownOptionIsRefusedWithTheClosestOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReplayOptions.parse("case", "--out", "o", "--sysclt", "nf_conntrack_max=1"));
        assertEquals("unknown option --sysclt (did you mean --sysctl?)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("case", "--out", "o", "--frobnicate"));
        assertEquals("unknown option --frobnicate", e.getMessage());
    }

    @Test
    void mapIfaceIsRepeatableAndEachRecordedInterfaceMapsOnce() throws ReplayException {
        String pcap = TestData.folder("linktypes").resolve("any-sll2.pcap").toString();
        String lan = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24";
        String wan = "wan,02:00:00:00:02:01,02:00:00:00:02:02,203.0.113.1/24";
        ReplayOptions o = ReplayOptions.parse("--pcap", pcap, "--iface", lan, "--iface", wan, "--map-iface", "2=lan",
            "--map-iface", "\\Device\\NPF_{X}=wan", "--out", "o");
        assertEquals(java.util.Map.of("2", "lan", "\\Device\\NPF_{X}", "wan"), o.spec().interfaceMap());
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("--pcap", pcap, "--iface", lan,
            "--map-iface", "2=lan", "--map-iface", "2=wan", "--out", "o"));
        for (String bad : new String[] {"2", "=lan", "2="}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse(
                "--pcap", pcap, "--iface", lan, "--map-iface", bad, "--out", "o"));
            assertTrue(e.getMessage().contains("RECORDED=ROUTER"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse("--pcap",
            pcap, "--iface", lan, "--map-iface", "2=dmz", "--out", "o"));
        assertTrue(e.getMessage().contains("2=dmz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayOptions.parse(
            TestData.oracleCases().resolve("udp").toString(), "--map-iface", "2=lan", "--out", "o"));
    }
}
