package org.conntrack4j.sync.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conntrack4j.sync.Vectors;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every message a real conntrackd 1.4.7 sent or answered in the recorded scenarios parses, and building
 * the parsed model again gives the same bytes; the parsed connections agree with the kernel's own table
 * ({@code conntrack -L -o extended}, recorded at the same time).
 */
public class WireVectorsTest {

    /** All messages of a scenario, in order. */
    public record Msg(Vectors.Datagram d, int type, int flags, int seq, byte[] bytes) {
    }

    public static List<Msg> messages(String scenario, RecvStats stats) {
        List<Msg> out = new ArrayList<>();
        for (Vectors.Datagram d : Vectors.wire(scenario)) {
            new DatagramReader(stats, false).read(d.payload(), 0, d.payload().length, (b, off, len) -> out.add(
                    new Msg(d, Wire.type(b, off), Wire.flags(b, off), Wire.seq(b, off),
                            Arrays.copyOfRange(b, off, off + len))));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void everyRecordedMessageParsesAndRebuildsByteForByte(String scenario) {
        RecvStats stats = new RecvStats();
        List<Msg> msgs = messages(scenario, stats);
        assertEquals(0, stats.malformed, "header checks");
        NtaCt.Options opts = new NtaCt.Options(true, true); // the recorded configurations: TCPWindowTracking on
        MessageBuilder m = new MessageBuilder();
        int data = 0;
        int exp = 0;
        int ctl = 0;
        for (Msg x : msgs) {
            byte[] b = x.bytes();
            assertEquals(Wire.VERSION, Wire.version(b, 0));
            if (x.type() <= Wire.T_CT_DEL) {
                SyncConnection c = NtaCt.decode(b, 0, b.length);
                assertNotNull(c, () -> "unparsed " + java.util.HexFormat.of().formatHex(b));
                m.start(x.type(), x.flags(), x.seq());
                assertTrue(NtaCt.encode(c, opts, m));
                assertArrayEquals(b, m.bytes(), () -> "rebuilt " + c);
                data++;
            } else if (x.type() <= Wire.T_EXP_DEL) {
                SyncExpectation e = NtaExp.decode(b, 0, b.length);
                assertNotNull(e);
                m.start(x.type(), x.flags(), x.seq());
                assertTrue(NtaExp.encode(e, opts, m));
                assertArrayEquals(b, m.bytes(), () -> "rebuilt " + e);
                exp++;
            } else {
                assertEquals(Wire.T_CTL, x.type());
                if (Wire.hasRange(x.type(), x.flags())) {
                    m.startRange(x.flags(), x.seq(), Wire.from(b, 0), Wire.to(b, 0));
                } else {
                    m.start(x.type(), x.flags(), x.seq());
                }
                assertArrayEquals(b, m.bytes());
                ctl++;
            }
        }
        assertTrue(data >= 40, "connection messages: " + data);
        assertTrue(exp >= 4, "expectation messages: " + exp);
        if (!scenario.startsWith("alarm")) {
            assertTrue(ctl >= 5, "control messages: " + ctl);
        }
    }

    /** A line of conntrack -L -o extended: its fields, original then reply tuple. */
    public record KernelEntry(String line, SyncTuple orig, SyncTuple reply, String state, boolean assured, long mark,
            Integer zone, String helper) {
    }

    public static List<KernelEntry> kernelTable(String scenario) throws Exception {
        List<KernelEntry> out = new ArrayList<>();
        for (String line : Vectors.text(scenario, "conntrack-L.txt").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || !(f[0].equals("ipv4") || f[0].equals("ipv6"))) {
                continue; // expectation lines
            }
            int proto = Integer.parseInt(f[3]);
            String state = f[5].contains("=") ? null : f[5];
            List<Map<String, String>> tuples = new ArrayList<>();
            Map<String, String> cur = null;
            Map<String, String> rest = new HashMap<>();
            boolean assured = false;
            for (String w : f) {
                int eq = w.indexOf('=');
                if (w.equals("[ASSURED]")) {
                    assured = true;
                }
                if (eq < 0) {
                    continue;
                }
                String k = w.substring(0, eq);
                if (k.equals("src")) {
                    cur = new LinkedHashMap<>();
                    tuples.add(cur);
                }
                if (cur != null && List.of("src", "dst", "sport", "dport", "type", "code", "id", "srckey", "dstkey")
                        .contains(k) && !cur.containsKey(k)) {
                    cur.put(k, w.substring(eq + 1));
                } else {
                    rest.put(k, w.substring(eq + 1));
                }
            }
            out.add(new KernelEntry(line, tuple(tuples.get(0), proto), tuple(tuples.get(1), proto), state, assured,
                    Long.parseLong(rest.getOrDefault("mark", "0")),
                    rest.containsKey("zone") ? Integer.valueOf(rest.get("zone")) : null, rest.get("helper")));
        }
        return out;
    }

    static SyncTuple tuple(Map<String, String> t, int proto) throws Exception {
        InetAddress s = InetAddress.getByName(t.get("src"));
        InetAddress d = InetAddress.getByName(t.get("dst"));
        if (t.containsKey("type")) {
            return SyncTuple.icmp(s, d, proto, Integer.parseInt(t.get("type")), Integer.parseInt(t.get("code")),
                    Integer.parseInt(t.get("id")));
        }
        if (t.containsKey("sport")) {
            return new SyncTuple(s, d, proto, Integer.parseInt(t.get("sport")), Integer.parseInt(t.get("dport")));
        }
        return new SyncTuple(s, d, proto, 0, 0);
    }

    static final String[] TCP_STATES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
        "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};
    static final String[] SCTP_STATES = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED"};

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void parsedConnectionsAgreeWithTheKernelTable(String scenario) throws Exception {
        // the last message about each connection before the table was listed
        Map<SyncTuple, SyncConnection> last = new HashMap<>();
        long listedAt = Vectors.dump(scenario, "1-traffic-rtr-s").micros();
        for (Msg x : messages(scenario, new RecvStats())) {
            if (x.d().micros() < listedAt && x.type() <= Wire.T_CT_UPD) {
                SyncConnection c = NtaCt.decode(x.bytes(), 0, x.bytes().length);
                last.put(c.orig().isIcmp() || c.orig().protonum() == 47 ? c.orig() : c.orig(), c);
            }
        }
        int checked = 0;
        for (KernelEntry k : kernelTable(scenario)) {
            String src = k.orig().src().getHostAddress();
            if (src.startsWith("192.0.2.") || src.startsWith("2001:db8:5:")) {
                continue; // the sync link itself: the Filter ignores it
            }
            SyncTuple key = k.orig().protonum() == 47 ? new SyncTuple(k.orig().src(), k.orig().dst(), 47, 0, 0)
                    : k.orig();
            SyncConnection c = last.get(key);
            if (c == null) {
                fail("no message for " + k.line());
            }
            assertEquals(k.assured(), (c.status() & SyncConnection.IPS_ASSURED) != 0, k.line());
            assertEquals(k.mark(), c.mark() == null ? 0 : c.mark(), k.line());
            assertEquals(k.zone(), c.zone(), k.line());
            assertEquals(k.helper(), c.helper(), k.line());
            if (k.orig().protonum() == 6) {
                assertEquals(k.state(), TCP_STATES[c.tcp().state()], k.line());
            }
            if (k.orig().protonum() == 132) {
                assertEquals(k.state(), SCTP_STATES[c.sctp().state()], k.line());
            }
            // NAT as the reply tuple shows it
            InetAddress snat = k.reply().dst().equals(k.orig().src()) ? null : k.reply().dst();
            InetAddress dnat = k.reply().src().equals(k.orig().dst()) ? null : k.reply().src();
            assertEquals(snat, c.snatAddress(), k.line());
            assertEquals(dnat, c.dnatAddress(), k.line());
            if (k.orig().protonum() == 6 || k.orig().protonum() == 17) {
                // a port travels only where NAT changed it
                Integer dpat = k.reply().srcPort() != k.orig().dstPort() ? k.reply().srcPort() : null;
                Integer spat = k.reply().dstPort() != k.orig().srcPort() ? k.reply().dstPort() : null;
                assertEquals(dpat, c.dnatPort(), k.line());
                assertEquals(spat, c.snatPort(), k.line());
            }
            checked++;
        }
        assertTrue(checked >= 12, "connections checked: " + checked);
    }
}
