package org.conntrack4j.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/**
 * The byte forms ({@code append...} into a {@link TextBuffer}) write what the String forms return, in UTF-8, after
 * whatever the buffer held, on connections drawn at random over everything the formats print; and lines that only
 * the byte path could get wrong (IPv6 through its text, a name beyond ASCII, unnamed labels, unsigned numbers)
 * against text written by hand.
 */
class CtFormatBytesTest {
    private static final LabelMap LABELS = LabelMap.parse(List.of("0 zero", "3 drei", "17 gruen", "64 hoch", "127 last one"));
    private static final String[] HELPERS = {null, "ftp", "sip", "tftp-ü"};
    private static final String[] STATES = {null, "ESTABLISHED", "SYN_SENT", "TIME_WAIT"};
    private static final int[] PROTOS = {IpProto.TCP, IpProto.UDP, IpProto.ICMP, IpProto.GRE, IpProto.SCTP,
        IpProto.UDPLITE, 33, 58, 132, 250};
    private static final String PREFIX = "before|é|";

    @Test
    void everyFormatAppendsWhatItsStringSays() {
        SplittableRandom r = new SplittableRandom(1207);
        TextBuffer t = new TextBuffer(8);
        for (int i = 0; i < 20_000; i++) {
            ConnectionSnapshot s = snapshot(r);
            boolean extended = r.nextBoolean();
            boolean id = r.nextBoolean();
            boolean kt = r.nextInt(4) == 0;
            LabelMap labels = r.nextBoolean() ? LABELS : null;
            same(CtFormat.listLine(s, extended, id, labels, kt),
                CtFormat.appendListLine(start(t), s, extended, id, labels, kt));
            same(CtFormat.xmlFlow(s, labels), CtFormat.appendXmlFlow(start(t), s, labels));
            int type = r.nextInt(3) == 0 ? ConntrackEvent.NEW : r.nextBoolean() ? ConntrackEvent.UPDATE
                : ConntrackEvent.DESTROY;
            ConntrackEvent e = new ConntrackEvent(type, r.nextInt(1 << 12), wallNanos(r), s);
            boolean stamp = r.nextBoolean();
            same(CtFormat.event(e, stamp, extended, id, labels, kt),
                CtFormat.appendEvent(start(t), e, stamp, extended, id, labels, kt));
            ExpectationEvent x = new ExpectationEvent(r.nextBoolean() ? CtEvent.EXP_NEW : CtEvent.EXP_DESTROY,
                wallNanos(r), expectation(r));
            same(CtFormat.expectationEvent(x, stamp), CtFormat.appendExpectationEvent(start(t), x, stamp));
            StringBuilder sb = new StringBuilder(PREFIX);
            same(CtFormat.timestamp(sb, e.wallNanos()).substring(PREFIX.length()),
                CtFormat.timestamp(start(t), e.wallNanos()));
        }
    }

    @Test
    void ipv6NatZoneMarkLabelsAndAHelperBeyondAscii() {
        Tuple o = v6("2001:db8::10", 40000, "2001:db8:0:1::20", 443);
        Tuple r = v6("2001:db8:0:1::20", 443, "::ffff:198.51.100.1", 61000);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED | Status.SRC_NAT, 431999, "ESTABLISHED", "ftp-ü", -2,
            7, -5, 1, new long[] {3, 180, 2, 120}, 12, Zone.DIR_ORIGINAL, 1L << 3 | 1L << 5 | 1L << 17, 1L << 63);
        String list = "ipv6     10 tcp      6 431999 ESTABLISHED src=2001:db8::10 dst=2001:db8:0:1::20 sport=40000"
            + " dport=443 zone-orig=7 packets=3 bytes=180 src=2001:db8:0:1::20 dst=::ffff:198.51.100.1 sport=443"
            + " dport=61000 packets=2 bytes=120 [ASSURED] mark=4294967294 delta-time=12 helper=ftp-ü use=1"
            + " id=4294967291 labels=drei,gruen,last one";
        assertEquals(list, CtFormat.listLine(s, true, true, LABELS));
        same(list, CtFormat.appendListLine(start(new TextBuffer(4)), s, true, true, LABELS, false));
        ConntrackEvent e = new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.LABEL, 1795268197_000987000L, s);
        String event = "[1795268197.987   ]\t [UPDATE] ipv6     10 tcp      6 431999 src=2001:db8::10"
            + " dst=2001:db8:0:1::20 sport=40000 dport=443 zone-orig=7 packets=3 bytes=180 src=2001:db8:0:1::20"
            + " dst=::ffff:198.51.100.1 sport=443 dport=61000 packets=2 bytes=120 [ASSURED] mark=4294967294"
            + " delta-time=12 helper=ftp-ü id=4294967291 labels=drei,gruen,last one";
        assertEquals(event, CtFormat.event(e, true, LABELS));
        same(event, CtFormat.appendEvent(start(new TextBuffer(4)), e, true, true, true, LABELS, false));
        String xml = "<flow><meta direction=\"original\"><layer3 protonum=\"10\" protoname=\"ipv6\"><src>2001:db8::10"
            + "</src><dst>2001:db8:0:1::20</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\"><sport>40000</sport>"
            + "<dport>443</dport></layer4><zone>7</zone><counters><packets>3</packets><bytes>180</bytes></counters>"
            + "</meta><meta direction=\"reply\"><layer3 protonum=\"10\" protoname=\"ipv6\"><src>2001:db8:0:1::20</src>"
            + "<dst>::ffff:198.51.100.1</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\"><sport>443</sport>"
            + "<dport>61000</dport></layer4><counters><packets>2</packets><bytes>120</bytes></counters></meta>"
            + "<meta direction=\"independent\"><state>ESTABLISHED</state><timeout>431999</timeout>"
            + "<mark>4294967294</mark><labels><label>drei</label><label>gruen</label><label>last one</label></labels>"
            + "<use>1</use><id>4294967291</id><assured/><deltatime>12</deltatime></meta><helper>ftp-ü</helper></flow>";
        assertEquals(xml, CtFormat.xmlFlow(s, LABELS));
        same(xml, CtFormat.appendXmlFlow(start(new TextBuffer(4)), s, LABELS));
    }

    @Test
    void greKeysInHex() {
        ConnectionSnapshot s = new ConnectionSnapshot(v4(IpProto.GRE, "198.51.100.2", 0x1234, "203.0.113.9", 0xbeef),
            v4(IpProto.GRE, "203.0.113.9", 0, "198.51.100.2", 0xffff), "srckey=0x1234 dstkey=0xbeef",
            "srckey=0x0 dstkey=0xffff", "gre", Status.CONFIRMED, 29, null, null, 0, 0, 1, 1, null);
        String xml = CtFormat.xmlFlow(s, null);
        assertTrue(xml.contains("<srckey>0x1234</srckey><dstkey>0xbeef</dstkey>"), xml);
        assertTrue(xml.contains("<srckey>0x0</srckey><dstkey>0xffff</dstkey>"), xml);
        same(xml, CtFormat.appendXmlFlow(start(new TextBuffer(4)), s, null));
    }

    /** The buffer holding other text first: a line is appended, never written over what came before. */
    private static TextBuffer start(TextBuffer t) {
        return t.clear().str(PREFIX);
    }

    private static void same(String expected, TextBuffer t) {
        byte[] prefix = PREFIX.getBytes(StandardCharsets.UTF_8);
        byte[] want = new byte[prefix.length + expected.getBytes(StandardCharsets.UTF_8).length];
        System.arraycopy(prefix, 0, want, 0, prefix.length);
        byte[] line = expected.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(line, 0, want, prefix.length, line.length);
        assertArrayEquals(want, Arrays.copyOf(t.array(), t.length()), expected);
    }

    private static long wallNanos(SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0: return 1_700_000_000_000_000_000L + r.nextLong(1_000_000_000L);
            case 1: return r.nextLong(1_000_000_000L);
            case 2: return -r.nextLong(5_000_000_000L);
            default: return r.nextLong() >>> 1;
        }
    }

    private static ConnectionSnapshot snapshot(SplittableRandom r) {
        boolean v6 = r.nextInt(3) == 0;
        int proto = PROTOS[r.nextInt(PROTOS.length)];
        Tuple o = tuple(r, v6, proto);
        // NAT: a reply that is not the original inverted, now and then
        Tuple rep = r.nextBoolean() ? inverted(o) : tuple(r, v6, proto);
        long[] counters = r.nextBoolean() ? null : new long[] {r.nextLong(1L << 40), r.nextLong() >>> 1,
            r.nextInt(10), r.nextLong(1L << 50)};
        int zoneDir = r.nextInt(3) == 0 ? Zone.DIR_BOTH : r.nextBoolean() ? Zone.DIR_ORIGINAL : Zone.DIR_REPLY;
        ConnectionSnapshot s = new ConnectionSnapshot(o, rep, l4(r, o), l4(r, rep), IpProto.ctName(proto),
            r.nextInt(1 << 16), r.nextInt(4) == 0 ? -1 : r.nextLong(1L << 33), STATES[r.nextInt(STATES.length)],
            HELPERS[r.nextInt(HELPERS.length)], r.nextBoolean() ? 0 : r.nextInt(), r.nextBoolean() ? 0 : r.nextInt(65536),
            r.nextInt(), r.nextInt(5), counters, r.nextBoolean() ? -1 : r.nextLong(1L << 35), zoneDir,
            r.nextBoolean() ? 0 : r.nextLong(), r.nextInt(3) == 0 ? r.nextLong() : 0);
        return r.nextInt(4) == 0 ? s.withTimestamps(r.nextBoolean() ? 0 : wallNanos(r), r.nextBoolean() ? 0
            : wallNanos(r)) : s;
    }

    private static ExpectationSnapshot expectation(SplittableRandom r) {
        boolean v6 = r.nextBoolean();
        int proto = PROTOS[r.nextInt(PROTOS.length)];
        Tuple t = tuple(r, v6, proto);
        Tuple mask = tuple(r, v6, proto);
        Tuple master = tuple(r, v6, IpProto.TCP);
        return new ExpectationSnapshot(r.nextBoolean() ? -1 : r.nextInt(1000), t, l4(r, t), mask, l4(r, mask), master,
            l4(r, master), r.nextInt(3), HELPERS[r.nextInt(HELPERS.length)],
            r.nextInt(Expectation.FLAG_PERMANENT | Expectation.FLAG_INACTIVE | Expectation.FLAG_USERSPACE) + 1,
            r.nextBoolean() ? 0 : r.nextInt(65536), r.nextInt());
    }

    private static String l4(SplittableRandom r, Tuple t) {
        return r.nextInt(5) == 0 ? "" : CtFormat.ports(t);
    }

    private static Tuple tuple(SplittableRandom r, boolean v6, int proto) {
        if (!v6) {
            return tuple(Family.IPV4, proto, 0, r.nextInt() & 0xffff_ffffL, 0, r.nextInt() & 0xffff_ffffL,
                r.nextInt(65536), r.nextInt(65536));
        }
        // runs of zero groups and IPv4-mapped addresses, as compression and the dotted tail print them
        return tuple(Family.IPV6, proto, r.nextBoolean() ? 0x2001_0db8_0000_0000L | r.nextInt(3) : 0,
            r.nextBoolean() ? 0xffff_0000_0000L | (r.nextInt() & 0xffff_ffffL) : r.nextLong() >>> r.nextInt(64),
            r.nextLong() & 0xffff_0000_ffff_0000L, r.nextBoolean() ? 1 : r.nextLong(), r.nextInt(65536),
            r.nextInt(65536));
    }

    private static Tuple inverted(Tuple o) {
        return tuple(o.family, o.proto, o.dstHi, o.dstLo, o.srcHi, o.srcLo, o.dstPort, o.srcPort);
    }

    private static Tuple v4(int proto, String src, int sport, String dst, int dport) {
        return tuple(Family.IPV4, proto, 0, Addr.parseV4(src) & 0xffff_ffffL, 0, Addr.parseV4(dst) & 0xffff_ffffL,
            sport, dport);
    }

    private static Tuple v6(String src, int sport, String dst, int dport) {
        long[] s = Addr.parseV6(src);
        long[] d = Addr.parseV6(dst);
        return tuple(Family.IPV6, IpProto.TCP, s[0], s[1], d[0], d[1], sport, dport);
    }

    private static Tuple tuple(int family, int proto, long srcHi, long srcLo, long dstHi, long dstLo, int sport,
        int dport) {
        Tuple t = new Tuple();
        t.family = family;
        t.proto = proto;
        t.srcHi = srcHi;
        t.srcLo = srcLo;
        t.dstHi = dstHi;
        t.dstLo = dstLo;
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }
}
