package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.proto.udp.UdpTracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ct:get and ct:count against what conntrack 1.4.7 printed on Linux 6.18 for two unreplied UDP datagrams from
 * 192.0.2.1 to itself (ports 5555 and 5556, mark 42 set by a rule): {@code conntrack -C} printed 3 with a TCP
 * connection besides; {@code conntrack -G} printed the entry with {@code use=2} and said it had shown one.
 */
class CtGetCountTest {
    private Engine net;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private CtCommands ct;
    private CommandSession session;

    @BeforeEach
    void engine() {
        Registry reg = new Registry();
        reg.addTracker(new UdpTracker(), IpProto.UDP, true, true, reg.localId(), 0, "test");
        net = new Engine(reg, "ct-get-test", new ManualClock(250), 1);
        ct = new CtCommands();
        ct.net = net;
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        session = (CommandSession) Proxy.newProxyInstance(CommandSession.class.getClassLoader(),
            new Class<?>[] {CommandSession.class}, (p, m, a) -> {
                if (m.getName().equals("getConsole")) {
                    return out;
                }
                throw new UnsupportedOperationException(m.getName());
            });
        udp(39509, 5555);
        udp(59556, 5556);
    }

    @AfterEach
    void close() {
        net.close();
    }

    /** One UDP datagram 192.0.2.1:sport -> 192.0.2.1:dport through prerouting and postrouting, marked 42. */
    private void udp(int sport, int dport) {
        byte[] d = new byte[29];
        d[0] = 0x45;
        d[3] = 29;
        d[8] = 64;
        d[9] = (byte) IpProto.UDP;
        d[12] = (byte) 192; d[14] = 2; d[15] = 1;
        d[16] = (byte) 192; d[18] = 2; d[19] = 1;
        d[20] = (byte) (sport >> 8); d[21] = (byte) sport;
        d[22] = (byte) (dport >> 8); d[23] = (byte) dport;
        d[25] = 9;
        d[28] = 'x';
        Packet p = new Packet().load(d, 0, d.length, 0);
        p.put16(10, Checksum.ipv4Header(p));
        assertEquals(null, IpHeaders.validate(p));
        net.runHook(Hook.PRE_ROUTING, p);
        p.ct.setMark(42);
        net.runHook(Hook.POST_ROUTING, p);
    }

    private String printed() {
        String s = console.toString(StandardCharsets.UTF_8);
        console.reset();
        return s;
    }

    @Test
    void getPrintsTheEntryWithTheLookupsReference() {
        ct.get(session, "-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.1", "--sport", "39509", "--dport", "5555");
        assertEquals("udp      17 30 src=192.0.2.1 dst=192.0.2.1 sport=39509 dport=5555 [UNREPLIED] src=192.0.2.1 "
            + "dst=192.0.2.1 sport=5555 dport=39509 mark=42 use=2\n", printed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ct.get(session, "-p", "udp", "-s",
            "192.0.2.1", "-d", "192.0.2.1", "--dport", "5555", "--sport", "1"));
        assertEquals("conntrack v1.4.7 (conntrack4j): Operation failed: such conntrack doesn't exist", e.getMessage());
        assertEquals("you have to specify `--sport' and `--dport'", assertThrows(IllegalArgumentException.class,
            () -> ct.get(session, "-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.1", "--dport", "5555")).getMessage());
        assertEquals("you have to specify `--src' and `--dst'", assertThrows(IllegalArgumentException.class,
            () -> ct.get(session, "-p", "udp", "-d", "192.0.2.1", "--dport", "5555", "--sport", "1")).getMessage());
        assertEquals("You need to supply the `--protonum' option for this command", assertThrows(
            IllegalArgumentException.class, () -> ct.get(session, "-s", "192.0.2.1", "-d", "192.0.2.1")).getMessage());
        // in zone 0 by default; --zone names the zone the tuple is looked up in
        assertThrows(IllegalStateException.class, () -> ct.get(session, "-p", "udp", "-s", "192.0.2.1", "-d",
            "192.0.2.1", "--sport", "39509", "--dport", "5555", "--zone", "7"));
    }

    @Test
    void countPrintsTheNumberAndTakesNoOption() {
        ct.count(session);
        assertEquals("2\n", printed());
        assertEquals("Illegal option `-p' with this command", assertThrows(IllegalArgumentException.class,
            () -> ct.count(session, "-p", "udp")).getMessage());
    }

    @Test
    void eventsTakeConntracksOptionsAndEventMask() throws Exception {
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            udp(40000, 5600);
            udp(40000, 5600);
        });
        later.start();
        ct.events(session, "-e", "NEW", "-o", "xml", "-n", "1", "-t", "10");
        later.join();
        assertEquals("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>\n<flow type=\"new\"><meta direction="
            + "\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst></layer3>"
            + "<layer4 protonum=\"17\" protoname=\"udp\"><sport>40000</sport><dport>5600</dport></layer4></meta><meta "
            + "direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst>"
            + "</layer3><layer4 protonum=\"17\" protoname=\"udp\"><sport>5600</sport><dport>40000</dport></layer4></meta>"
            + "<meta direction=\"independent\"><timeout>30</timeout><mark>42</mark><id>" + Integer.toUnsignedString(
                net.table().list(c -> c.dstPort(0) == 5600).get(0).id()) + "</id><unreplied/></meta></flow>\n"
            + "</conntrack>\n", printed());
        assertThrows(IllegalArgumentException.class, () -> ct.events(session, "-e", "BOGUS"));
        assertThrows(IllegalArgumentException.class, () -> ct.events(session, "-o", "bogus"));
        assertEquals(CtFilter.ALL_EVENTS, CtFilter.eventTypes("new,UPD,destroy"));
    }

    @Test
    void statsPrintConntracksLinesExactly() {
        // conntrack -S and -S expect print, per CPU (here the one engine), e.g.
        // "cpu=0   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0
        // clash_resolve=0 chaintoolong=0 " and "cpu=0   \texpect_new=0 expect_create=0 expect_delete=0 "
        ct.stats(session);
        String line = printed();
        assertTrue(line.matches("cpu=0   \tfound=\\d+ invalid=\\d+ insert=\\d+ insert_failed=\\d+ drop=\\d+ "
            + "early_drop=\\d+ error=\\d+ search_restart=\\d+ clash_resolve=\\d+ chaintoolong=\\d+ \n"), line);
        ct.stats(session, "expect");
        assertEquals("cpu=0   \texpect_new=0 expect_create=0 expect_delete=0 \n", printed());
        ct.stats(session, "invalid");
        assertEquals("entries=2 expectations=0\n", printed());
        assertThrows(IllegalArgumentException.class, () -> ct.stats(session, "bogus"));
    }

    @Test
    void deletePrintsEachDeletedEntryAsConntrackDoes() {
        // conntrack -D -p udp --dport 5555 printed the entry as -L shows it (use=1), then "1 flow entries have been
        // deleted."; with -o xml the flows alone; nothing deleted: exit status 1
        ct.delete(session, "-p", "udp", "--dport", "5555");
        assertEquals("udp      17 30 src=192.0.2.1 dst=192.0.2.1 sport=39509 dport=5555 [UNREPLIED] src=192.0.2.1 "
            + "dst=192.0.2.1 sport=5555 dport=39509 mark=42 use=1\n", printed());
        assertEquals(1, net.table().count());
        assertThrows(IllegalStateException.class, () -> ct.delete(session, "-p", "udp", "--dport", "5599"));
        assertEquals("", printed());
        ct.delete(session, "-s", "192.0.2.1", "-o", "xml");
        String xml = printed();
        assertTrue(xml.startsWith("<flow><meta direction=\"original\">") && xml.endsWith("</flow>\n")
            && xml.contains("<dport>5556</dport>"), xml);
        assertEquals(0, net.table().count());
    }
}
