package org.conntrack4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/** The text formats against lines recorded from conntrack-tools (kernel cases udp, tcp_basic, ftp_active_snat). */
class CtFormatTest {
    private static Tuple udp(String src, int sport, String dst, int dport) {
        Tuple t = new Tuple().ipv4(Addr.parseV4(src), Addr.parseV4(dst));
        t.proto = IpProto.UDP;
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    private static Tuple tcp(String src, int sport, String dst, int dport) {
        Tuple t = udp(src, sport, dst, dport);
        t.proto = IpProto.TCP;
        return t;
    }

    @Test
    void newEventOfAnUnrepliedUdpFlow() {
        Tuple o = udp("198.51.100.10", 42000, "203.0.113.10", 5353);
        Tuple r = udp("203.0.113.10", 5353, "198.51.100.10", 42000);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "udp", Status.CONFIRMED,
            30, null, null, 0, 0, (int) 3495949130L, 1, null);
        ConntrackEvent e = new ConntrackEvent(ConntrackEvent.NEW, 1, 1795268181631807000L, s);
        assertEquals("[1795268181.631807]\t    [NEW] ipv4     2 udp      17 30 src=198.51.100.10 dst=203.0.113.10 "
            + "sport=42000 dport=5353 [UNREPLIED] src=203.0.113.10 dst=198.51.100.10 sport=5353 dport=42000 id=3495949130",
            CtFormat.event(e, true));
    }

    @Test
    void timestampMicrosecondsArePrintedAsConntrackDoes() {
        StringBuilder sb = new StringBuilder();
        CtFormat.timestamp(sb, 1795268197_000987000L);
        assertEquals("[1795268197.987   ]\t", sb.toString());
    }

    @Test
    void listingOfAnAssuredTcpConnectionWithHelper() {
        Tuple o = udp("198.51.100.10", 54686, "203.0.113.10", 21);
        o.proto = IpProto.TCP;
        Tuple r = udp("203.0.113.10", 21, "203.0.113.1", 54686);
        r.proto = IpProto.TCP;
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED, 118, "TIME_WAIT", "ftp", 0, 0, 854438146, 3, null);
        assertEquals("ipv4     2 tcp      6 118 TIME_WAIT src=198.51.100.10 dst=203.0.113.10 sport=54686 dport=21 "
            + "src=203.0.113.10 dst=203.0.113.1 sport=21 dport=54686 [ASSURED] mark=0 helper=ftp use=3 id=854438146",
            CtFormat.listLine(s));
    }

    @Test
    void updateEventShowsStateOnlyWithProtoinfoAndMarkOnlyWhenSet() {
        Tuple o = udp("198.51.100.10", 1, "203.0.113.10", 2);
        Tuple r = udp("203.0.113.10", 2, "198.51.100.10", 1);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.SEEN_REPLY, 60, "SYN_RECV", null, 0, 0, 1, 1, null);
        String withState = CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.PROTOINFO, 0, s), false);
        String without = CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.ASSURED, 0, s), false);
        assertEquals(" [UPDATE] ipv4     2 tcp      17 60 SYN_RECV src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=1", withState);
        assertEquals(" [UPDATE] ipv4     2 tcp      17 60 src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=1", without);
    }

    @Test
    void destroyEventWithoutTimeLeftHasNoTimeout() {
        Tuple o = udp("198.51.100.10", 1, "203.0.113.10", 2);
        Tuple r = udp("203.0.113.10", 2, "198.51.100.10", 1);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "udp", 0, -1, null,
            null, 0, 0, 5, 1, null);
        assertEquals("[DESTROY] ipv4     2 udp      17 src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=5",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, 0, s), false));
    }

    @Test
    void destroyEventLeavesTheHelperOutAndUpdateShowsIt() {
        Tuple o = udp("198.51.100.10", 45300, "203.0.113.10", 21);
        o.proto = IpProto.TCP;
        Tuple r = udp("203.0.113.10", 21, "203.0.113.1", 45300);
        r.proto = IpProto.TCP;
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED, 120, "CLOSE", "ftp", 0, 0, 7, 1, null);
        assertEquals("[DESTROY] ipv4     2 tcp      6 120 CLOSE src=198.51.100.10 dst=203.0.113.10 sport=45300 dport=21 "
            + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=21 dport=45300 id=7",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, 0, s), false));
        assertEquals(" [UPDATE] ipv4     2 tcp      6 120 src=198.51.100.10 dst=203.0.113.10 sport=45300 dport=21 "
            + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=21 dport=45300 helper=ftp id=7",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.ASSURED, 0, s), false));
    }

    // conntrack -L -o xml[,labels] of conntrack-tools 1.4.7 on Linux 6.18, in a namespace (acct and timestamp on,
    // mark 42 set by a rule, udp 5555 in zone 7 of the original direction, 5556 in zone 9, labels 3 "three" and
    // 12 "twelve" named in connlabel.conf, label 5 unnamed)
    private static final String XML_UDP_ZONE_ORIG = "<flow><meta direction=\"original\"><layer3 protonum=\"2\" "
        + "protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" protoname=\"udp\">"
        + "<sport>38280</sport><dport>5555</dport></layer4><zone>7</zone><counters><packets>1</packets><bytes>29</bytes>"
        + "</counters></meta><meta direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1</src>"
        + "<dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" protoname=\"udp\"><sport>5555</sport><dport>38280</dport>"
        + "</layer4><counters><packets>0</packets><bytes>0</bytes></counters></meta><meta direction=\"independent\">"
        + "<timeout>29</timeout><mark>42</mark><labels><label>three</label><label>twelve</label></labels><use>1</use>"
        + "<id>3973175566</id><unreplied/><deltatime>0</deltatime></meta></flow>";
    private static final String XML_UDP_ZONE_BOTH_UNNAMED_LABEL = "<flow><meta direction=\"original\"><layer3 "
        + "protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" "
        + "protoname=\"udp\"><sport>40658</sport><dport>5556</dport></layer4><counters><packets>1</packets><bytes>29"
        + "</bytes></counters></meta><meta direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1"
        + "</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" protoname=\"udp\"><sport>5556</sport><dport>40658"
        + "</dport></layer4><counters><packets>0</packets><bytes>0</bytes></counters></meta><meta direction=\"independent\">"
        + "<timeout>29</timeout><mark>42</mark><labels></labels><zone>9</zone><use>1</use><id>1062734419</id><unreplied/>"
        + "<deltatime>0</deltatime></meta></flow>";
    private static final String XML_TCP = "<flow><meta direction=\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\">"
        + "<src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\"><sport>45754</sport>"
        + "<dport>8080</dport></layer4></meta><meta direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>"
        + "127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\"><sport>8080</sport>"
        + "<dport>45754</dport></layer4></meta><meta direction=\"independent\"><state>ESTABLISHED</state><timeout>431999"
        + "</timeout><mark>42</mark><use>1</use><id>2448931119</id><assured/></meta></flow>";
    private static final String XML_ICMP = "<flow><meta direction=\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\">"
        + "<src>192.0.2.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"1\" protoname=\"icmp\"></layer4></meta>"
        + "<meta direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst>"
        + "</layer3><layer4 protonum=\"1\" protoname=\"icmp\"></layer4></meta><meta direction=\"independent\"><timeout>29"
        + "</timeout><mark>42</mark><use>1</use><id>3559732764</id></meta></flow>";

    private static ConnectionSnapshot loopbackUdp(int sport, int dport, int zone, int zoneDir, long labels, int id) {
        Tuple o = udp("192.0.2.1", sport, "192.0.2.1", dport);
        Tuple r = udp("192.0.2.1", dport, "192.0.2.1", sport);
        return new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "udp", Status.CONFIRMED, 29, null,
            null, 42, zone, id, 1, new long[] {1, 29, 0, 0}, 0, zoneDir, labels, 0);
    }

    @Test
    void xmlFlowsAreWhatConntrackPrints() {
        LabelMap names = LabelMap.parse(java.util.List.of("3 three", "12 twelve"));
        assertEquals(XML_UDP_ZONE_ORIG, CtFormat.xmlFlow(loopbackUdp(38280, 5555, 7, Zone.DIR_ORIGINAL,
            (1L << 3) | (1L << 12), (int) 3973175566L), names));
        assertEquals(XML_UDP_ZONE_BOTH_UNNAMED_LABEL, CtFormat.xmlFlow(loopbackUdp(40658, 5556, 9, Zone.DIR_BOTH,
            1L << 5, 1062734419), names));
        // without -o labels (no map) conntrack leaves the labels out
        assertEquals(XML_UDP_ZONE_BOTH_UNNAMED_LABEL.replace("<labels></labels>", ""), CtFormat.xmlFlow(
            loopbackUdp(40658, 5556, 9, Zone.DIR_BOTH, 1L << 5, 1062734419), null));

        Tuple o = tcp("127.0.0.1", 45754, "127.0.0.1", 8080);
        Tuple r = tcp("127.0.0.1", 8080, "127.0.0.1", 45754);
        assertEquals(XML_TCP, CtFormat.xmlFlow(new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED, 431999, "ESTABLISHED", null, 42, 0,
            (int) 2448931119L, 1, null), null));

        Tuple io = new Tuple().ipv4(Addr.parseV4("192.0.2.1"), Addr.parseV4("192.0.2.1"));
        io.proto = IpProto.ICMP;
        Tuple ir = new Tuple().copyFrom(io);
        assertEquals(XML_ICMP, CtFormat.xmlFlow(new ConnectionSnapshot(io, ir, "type=8 code=0 id=29748",
            "type=0 code=0 id=29748", "icmp", Status.CONFIRMED | Status.SEEN_REPLY, 29, null, null, 42, 0,
            (int) 3559732764L, 1, null), null));
        assertEquals("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>", CtFormat.XML_HEADER);
    }

    // conntrack -E -o xml (and -o xml,timestamp,id: <when>), conntrack-tools 1.4.7 on Linux 6.18 (UTC), a TCP
    // connection on the loopback and a UDP datagram deleted with conntrack -D; mark 42 set by a rule
    private static final String TCP_META = "<flow type=\"%s\"><meta direction=\"original\"><layer3 protonum=\"2\" "
        + "protoname=\"ipv4\"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\">"
        + "<sport>57164</sport><dport>8081</dport></layer4></meta><meta direction=\"reply\"><layer3 protonum=\"2\" "
        + "protoname=\"ipv4\"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\">"
        + "<sport>8081</sport><dport>57164</dport></layer4></meta><meta direction=\"independent\">";

    @Test
    void xmlEventsAreWhatConntrackPrints() {
        Tuple o = tcp("127.0.0.1", 57164, "127.0.0.1", 8081);
        Tuple r = tcp("127.0.0.1", 8081, "127.0.0.1", 57164);
        long at = 1796646163_500000000L; // Mon Dec  7 12:22:43 2026 UTC
        ConnectionSnapshot synSent = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED, 120, "SYN_SENT", null, 42, 0, 2044445747, 1, null);
        ConntrackEvent created = new ConntrackEvent(ConntrackEvent.NEW, (1 << CtEvent.NEW) | (1 << CtEvent.PROTOINFO)
            | (1 << CtEvent.MARK), at, synSent);
        assertEquals(String.format(TCP_META, "new") + "<state>SYN_SENT</state><timeout>120</timeout><mark>42</mark>"
            + "<id>2044445747</id><unreplied/></meta></flow>", CtFormat.xmlEvent(created, false, null));
        assertEquals(String.format(TCP_META, "new") + "<state>SYN_SENT</state><timeout>120</timeout><mark>42</mark>"
            + "<id>2044445747</id><unreplied/></meta><when><hour>12</hour><min>22</min><sec>43</sec><wday>2</wday>"
            + "<day>7</day><month>12</month><year>2026</year></when></flow>",
            CtFormat.xmlEvent(created, java.time.ZoneOffset.UTC, null));
        ConnectionSnapshot established = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED, 432000, "ESTABLISHED", null, 42, 0, 2044445747, 1,
            null);
        ConntrackEvent assured = new ConntrackEvent(ConntrackEvent.UPDATE, (1 << CtEvent.ASSURED)
            | (1 << CtEvent.PROTOINFO), at, established);
        assertEquals(String.format(TCP_META, "update") + "<state>ESTABLISHED</state><timeout>432000</timeout>"
            + "<mark>42</mark><id>2044445747</id><assured/></meta></flow>", CtFormat.xmlEvent(assured, false, null));
        // conntrack -E -e UPDATES (no -o): neither the layer 3 columns nor the id
        assertEquals(" [UPDATE] tcp      6 432000 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=57164 dport=8081 "
            + "src=127.0.0.1 dst=127.0.0.1 sport=8081 dport=57164 [ASSURED] mark=42",
            CtFormat.event(assured, false, false, false, null));

        Tuple uo = udp("192.0.2.1", 33023, "192.0.2.1", 5600);
        Tuple ur = udp("192.0.2.1", 5600, "192.0.2.1", 33023);
        ConnectionSnapshot gone = new ConnectionSnapshot(uo, ur, CtFormat.ports(uo), CtFormat.ports(ur), "udp",
            Status.CONFIRMED, 29, null, null, 42, 0, 1193229006, 0, null);
        assertEquals("<flow type=\"destroy\"><meta direction=\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\">"
            + "<src>192.0.2.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" protoname=\"udp\"><sport>33023"
            + "</sport><dport>5600</dport></layer4></meta><meta direction=\"reply\"><layer3 protonum=\"2\" "
            + "protoname=\"ipv4\"><src>192.0.2.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum=\"17\" "
            + "protoname=\"udp\"><sport>5600</sport><dport>33023</dport></layer4></meta><meta direction=\"independent\">"
            + "<timeout>29</timeout><mark>42</mark><id>1193229006</id><unreplied/></meta></flow>",
            CtFormat.xmlEvent(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, at, gone), false, null));
    }
}
