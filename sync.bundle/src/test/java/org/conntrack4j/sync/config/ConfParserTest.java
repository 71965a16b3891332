package org.conntrack4j.sync.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.conntrack4j.sync.Vectors;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** conntrackd.conf as conntrackd 1.4.7 reads it. */
class ConfParserTest {

    /** Every option of conntrackd 1.4.7's grammar that a Sync configuration may hold, each once. */
    static final String FULL = """
            # comment
            General {
                HashSize 32768            # honoured: it decides the dumps' order
                HashLimit 131072
                LogFile on
                Syslog off
                LockFile /var/lock/conntrack.lock
                UNIX {
                    Path /var/run/conntrackd.ctl
                    Backlog 20
                }
                NetlinkBufferSize 2097152
                NetlinkBufferSizeMaxGrowth 8388608
                SocketBufferSizeMaxGrown 8388608
                NetlinkOverrunResync On
                NetlinkEventsReliable Off
                EventIterationLimit 100
                PollSecs 15
                Nice -20
                Scheduler {
                    Type FIFO
                    Priority 99
                }
                Systemd on
                Filter From Userspace {
                    Protocol Accept {
                        TCP
                        SCTP
                        DCCP
                        UDP
                        ICMP
                        IPv6-ICMP
                    }
                    Address Ignore {
                        IPv4_address 127.0.0.1
                        IPv6_address ::1
                        IPv4_address 192.168.0.100
                        IPv4_address 192.168.100.0/24
                        IPv6_address fe80::/64
                    }
                    State Accept {
                        ESTABLISHED CLOSED TIME_WAIT CLOSE_WAIT for TCP
                    }
                }
            }
            Sync {
                Mode FTFW {
                    ResendQueueSize 131072
                    CommitTimeout 180
                    PurgeTimeout 5
                    ACKWindowSize 300
                    DisableExternalCache Off
                    StartupResync on
                }
                RefreshTime 15
                CacheTimeout 180
                Multicast Default {
                    IPv4_address 225.0.0.50
                    Group 3780
                    IPv4_interface 192.168.100.100
                    Interface eth2
                    SndSocketBuffer 1249280
                    RcvSocketBuffer 1249280
                    Checksum on
                }
                Multicast {
                    IPv4_address 225.0.0.51
                    Group 3781
                    IPv4_interface 192.168.200.100
                    Interface eth3
                    SndSocketBuffer 1249280
                    RcvSocketBuffer 1249280
                    Checksum on
                }
                Options {
                    TCPWindowTracking Off
                    ExpectationSync {
                        ftp
                        ras
                        q.931
                        h.245
                        sip
                    }
                }
            }
            """;

    @Test
    void everySyncOptionIsAcceptedAndTheMeaninglessOnesNamed() throws Exception {
        SyncConfig c = ConfParser.parse("conntrackd.conf", FULL);
        assertEquals(SyncConfig.Mode.FTFW, c.mode);
        assertEquals(32768, c.hashSize);
        assertEquals(131072, c.hashLimit);
        assertEquals(180, c.commitTimeout);
        assertEquals(5, c.purgeTimeout);
        assertEquals(300, c.windowSize);
        assertTrue(c.startupResync);
        assertEquals(15, c.refreshTime);
        assertEquals(2, c.links.size());
        assertEquals(0, c.defaultLink());
        assertEquals(InetAddress.getByName("225.0.0.51"), c.links.get(1).address);
        assertEquals(3781, c.links.get(1).port);
        assertEquals("eth3", c.links.get(1).iface);
        assertTrue(c.expectationSync);
        assertEquals(List.of("ftp", "ras", "q.931", "h.245", "sip"), c.expectHelpers);
        // a warning for each option that means nothing here, naming its line
        List<String> w = c.warnings();
        assertTrue(w.contains("conntrackd.conf:7: LockFile means nothing here: one sync node runs per conntrack4j router"),
                w.toString());
        for (int line : new int[] {5, 6, 7, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24}) {
            assertTrue(w.stream().anyMatch(s -> s.startsWith("conntrackd.conf:" + line + ": ")),
                    "no warning for line " + line + ": " + w);
        }
        assertFalse(w.stream().anyMatch(s -> s.startsWith("conntrackd.conf:3: ")), "HashSize is honoured");
    }

    @Test
    void theFilterActsAsConntrackds() throws Exception {
        SyncConfig c = ConfParser.parse("conntrackd.conf", FULL);
        SyncTuple t = new SyncTuple(InetAddress.getByName("198.51.100.2"), InetAddress.getByName("203.0.113.2"),
                6, 1000, 80);
        SyncConnection est = SyncConnection.builder(t).tcp(new SyncConnection.Tcp(3, null, null)).build();
        assertTrue(c.filter.accept(est));
        // TCP state outside the Accept list
        assertFalse(c.filter.accept(est.toBuilder().tcp(new SyncConnection.Tcp(1, null, null)).build()));
        // an ignored address, also as the reply's source (the real destination after DNAT)
        SyncTuple ignored = new SyncTuple(InetAddress.getByName("192.168.100.7"), t.dst(), 6, 1000, 80);
        assertFalse(c.filter.accept(SyncConnection.builder(ignored).tcp(new SyncConnection.Tcp(3, null, null))
                .build()));
        assertFalse(c.filter.accept(est.toBuilder().reply(new SyncTuple(InetAddress.getByName("192.168.0.100"),
                t.src(), 6, 80, 1000)).build()));
        // a protocol not in the Accept list
        SyncTuple gre = new SyncTuple(t.src(), t.dst(), 47, 0, 0);
        assertFalse(c.filter.accept(SyncConnection.builder(gre).build()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void theRecordedConfigurationsParse(String scenario) throws Exception {
        for (String who : new String[] {"rtr", "peer"}) {
            SyncConfig c = ConfParser.parse(who + ".conf", Vectors.text(scenario, who + ".conf"));
            assertEquals(SyncConfig.Mode.valueOf(scenario.split("-")[0].toUpperCase()), c.mode);
            assertEquals(8192, c.hashSize);
            assertTrue(c.tcpWindowTracking && c.expectationSync);
        }
    }

    static String error(String text) {
        return assertThrows(ConfParser.ConfException.class, () -> ConfParser.parse("c.conf", text)).getMessage();
    }

    static final String LINK = "UDP {\n IPv4_address 192.0.2.1\n IPv4_Destination_Address 192.0.2.2\n Port 3780\n"
            + " Interface sync0\n}\n";

    @Test
    void whatConntrackdRejectsOrWeDoNotDoIsAnErrorNamingTheLine() {
        assertEquals("c.conf:3: syntax error at 'Bogus': not an option of Sync",
                error("Sync {\n" + LINK.replace("\n", " ") + "\n Bogus 1\n}\n"));
        assertEquals("c.conf:1: the Stats mode is not supported: conntrack4j runs conntrackd's Sync mode",
                error("Stats {\n LogFile on\n}\n"));
        assertTrue(error("Sync {\n Mode FTFW {\n  RefreshTime 5\n }\n" + LINK + "}\n")
                .startsWith("c.conf:3: syntax error at 'RefreshTime': not an option of Mode FTFW"));
        assertTrue(error("Sync {\n" + LINK + " Multicast {\n IPv4_address 225.0.0.50\n Group 3780\n Interface x\n }\n}\n")
                .startsWith("c.conf:8: cannot use `Multicast' with other dedicated link protocols!"));
        assertTrue(error("Sync {\n TCP {\n IPv4_address 192.0.2.1\n IPv4_Destination_Address 192.0.2.2\n Port 3780\n"
                + " Interface sync0\n }\n}\n").startsWith("c.conf:2: TCP dedicated links are not supported"));
        assertTrue(error("General {\n Helper {\n }\n}\n").startsWith("c.conf:2: syntax error at 'Helper'"));
        assertTrue(error("Helper {\n Type ftp inet tcp {\n }\n}\n").startsWith("c.conf:1: user-space helpers"));
        assertTrue(error("Sync {\n UDP {\n IPv4_address 192.0.2.300\n }\n}\n")
                .startsWith("c.conf:3: 192.0.2.300 is not a valid IPv4 address"));
        assertTrue(error("General {\n HashSize 1\n}\n").endsWith("no Sync section: nothing to synchronise"));
        assertTrue(error("Sync {\n Options {\n TCPWindowTracking maybe\n }\n").startsWith("c.conf:3: syntax error"));
        assertTrue(error("Sync {\n Mode FTFW {\n").contains("unexpected end of file"));
    }

    @Test
    void modeDefaultsAndPrecedenceAsConntrackd() throws Exception {
        SyncConfig none = ConfParser.parse("c.conf", "Sync {\n" + LINK + "}\n");
        assertEquals(SyncConfig.Mode.FTFW, none.mode);
        assertTrue(none.warnings().get(0).contains("defaulting to FT-FW"));
        assertEquals(131072, none.resendQueueSize);
        assertEquals(300, none.windowSize);
        assertEquals(180, none.cacheTimeout);
        assertEquals(60, none.purgeTimeout);
        assertEquals(60, none.refreshTime);
        assertEquals(65536, none.hashSize);
        assertEquals(262144, none.hashLimit);
        SyncConfig both = ConfParser.parse("c.conf", "Sync {\n Mode NOTRACK {\n }\n Mode ALARM {\n }\n" + LINK + "}\n");
        assertEquals(SyncConfig.Mode.ALARM, both.mode);
        SyncConfig old = ConfParser.parse("c.conf", "Sync {\n Mode persistent {\n }\n" + LINK + "}\n");
        assertEquals(SyncConfig.Mode.ALARM, old.mode);
        assertTrue(old.warnings().get(0).contains("`persistent' mode is called `alarm'"));
    }
}
