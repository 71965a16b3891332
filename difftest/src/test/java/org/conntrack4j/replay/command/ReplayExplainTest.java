package org.conntrack4j.replay.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.difftest.Shipped;
import org.conntrack4j.replay.pcap.LinkType;
import org.conntrack4j.replay.pcap.PcapWriter;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The explainable replay: each packet's fate in {@code ctstate.tsv} and on the console, a classic pcap's frames placed
 * by their link addresses, the summary of a long replay, and the HTML report.
 */
class ReplayExplainTest {
    private static final String LAN = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24";
    private static final String WAN = "wan,02:00:00:00:02:01,02:00:00:00:02:02,203.0.113.1/24";
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path tmp;

    private final ReplayCommand command = new ReplayCommand();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream savedErr;
    private final CommandSession session = session(console);

    ReplayExplainTest() {
        wire(command);
    }

    /** A session whose console is {@code console}. */
    static CommandSession session(ByteArrayOutputStream console) {
        return (CommandSession) Proxy.newProxyInstance(CommandSession.class.getClassLoader(),
            new Class<?>[] {CommandSession.class}, (proxy, m, a) -> m.getName().equals("getConsole")
                ? new PrintStream(console, true, StandardCharsets.UTF_8) : null);
    }

    /** The command with the shipped plug-ins and the rules, as its component would have them. */
    static ReplayCommand wire(ReplayCommand command) {
        command.factory = Shipped.full().factory();
        command.rulesets = new NftRulesets();
        return command;
    }

    @BeforeEach
    void captureStderr() {
        savedErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(savedErr);
    }

    private String out() {
        return console.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** The rows of ctstate.tsv, split, without the header. */
    private static List<String[]> rows(Path out) throws Exception {
        List<String> lines = Files.readAllLines(out.resolve("ctstate.tsv"));
        assertTrue(lines.get(0).endsWith("\tct_log_reason\tfate"), "the fate column comes last: " + lines.get(0));
        List<String[]> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] c = l.split("\t", -1);
            assertEquals(8, c.length, l);
            rows.add(c);
        }
        return rows;
    }

    private static String recorded(String name) {
        return TestData.folder("recorded").resolve(name).toString();
    }

    @Test
    void aDropNamesTheRuleWithItsHandleAndConntracksReason() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, command.replay(session, recorded("fw_invalid_drop"), "--out", out.toString()), err());
        int dropped = 0;
        for (String[] r : rows(out)) {
            if (r[3].equals("invalid")) {
                dropped++;
                // handle 12: two chains, then the nine rules of chain ctlog, as nft -a lists this ruleset
                assertTrue(r[7].startsWith("dropped in forward by table inet oracle chain forward rule 1 (handle 12):"
                    + " ct state invalid counter drop (invalid: "), r[7]);
                assertTrue(r[7].contains(r[6].replaceFirst("^nf_ct_proto_\\d+: ", "")), "the reason: " + r[7]);
            } else {
                assertTrue(r[7].equals("forwarded to wan") || r[7].equals("forwarded to lan"), r[7]);
            }
        }
        assertTrue(dropped > 0);
        assertTrue(out().contains("  -> dropped in forward by table inet oracle chain forward rule 1 (handle 12)"), out());
        assertTrue(out().contains("  -> forwarded to wan"), out());
    }

    @Test
    void fragmentsShowTheirDatagramAndTheRoutersAnswer() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, command.replay(session, recorded("frag_ping"), "--quiet", "--out", out.toString()), err());
        List<String> fates = rows(out).stream().map(r -> r[7]).toList();
        assertTrue(fates.contains("reassembled from 3 fragments, forwarded to wan"), fates.toString());
        assertTrue(fates.contains("reassembled from 2 fragments, answered locally: ICMP echo reply"), fates.toString());
    }

    /** An Ethernet frame from {@code src} to {@code dst} (link addresses) holding {@code ip}. */
    private static byte[] eth(String dst, String src, byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        String[] d = dst.split(":");
        String[] s = src.split(":");
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) Integer.parseInt(d[i], 16);
            f[6 + i] = (byte) Integer.parseInt(s[i], 16);
        }
        f[12] = 0x08;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    @Test
    void aClassicPcapsFramesArriveWhereTheirLinkAddressesSay() throws Exception {
        Path pcap = tmp.resolve("in.pcap");
        byte[] data = "hello".getBytes(StandardCharsets.US_ASCII);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, true)) {
            // to the router's lan address, from the lan neighbour
            w.write(T0, eth("02:00:00:00:01:01", "02:00:00:00:01:02",
                Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, data)));
            // the reply, to the router's wan address: arrives on wan, so it is the connection's reply
            w.write(T0 + 1_000_000, eth("02:00:00:00:02:01", "02:00:00:00:02:02",
                Packets.udp("203.0.113.10", 53, "198.51.100.10", 40000, data)));
            // a broadcast from the wan neighbour
            w.write(T0 + 2_000_000, eth("ff:ff:ff:ff:ff:ff", "02:00:00:00:02:02",
                Packets.udp("203.0.113.10", 53, "198.51.100.10", 40000, data)));
            // nobody's addresses: --in decides
            w.write(T0 + 3_000_000, eth("02:00:00:00:09:09", "02:00:00:00:09:0a",
                Packets.udp("203.0.113.10", 53, "198.51.100.10", 40000, data)));
        }
        Path out = tmp.resolve("out");
        assertEquals(0, command.replay(session, "--pcap", pcap.toString(), "--iface", LAN, "--iface", WAN, "--in", "wan",
            "--quiet", "--out", out.toString()), err());
        List<String[]> rows = rows(out);
        assertEquals(List.of("lan", "wan", "wan", "wan"), rows.stream().map(r -> r[2]).toList());
        assertEquals("new original", rows.get(0)[3] + " " + rows.get(0)[4]);
        assertEquals("established reply", rows.get(1)[3] + " " + rows.get(1)[4]);
        assertEquals("forwarded to lan", rows.get(1)[7]);
        assertEquals("dropped: not for this host", rows.get(3)[7]);
        assertEquals("replay: warning: 1 of 4 frames (Ethernet, of a capture that names no interface) matched no"
            + " interface's link address (destination) or neighbour's (source) and were taken as received on wan (--in)\n",
            err());
    }

    /** {@code n} UDP datagrams from lan, each of its own flow, in a classic pcap. */
    private Path flow(int n) throws Exception {
        Path pcap = tmp.resolve("flow.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, true)) {
            for (int i = 0; i < n; i++) {
                w.write(T0 + i * 1_000_000L, eth("02:00:00:00:01:01", "02:00:00:00:01:02",
                    Packets.udp("198.51.100.10", 10000 + i, "203.0.113.10", 53, new byte[8])));
            }
        }
        return pcap;
    }

    @Test
    void aLongReplayPrintsASummaryUnlessVerbose() throws Exception {
        Path pcap = flow(ReplayCommand.ROWS_SHOWN_UP_TO + 1);
        assertEquals(0, command.replay(session, "--pcap", pcap.toString(), "--iface", LAN, "--iface", WAN, "--out",
            tmp.resolve("out").toString()), err());
        String summary = out();
        assertTrue(summary.contains("1,001 packets (each one's row: ctstate.tsv in "), summary);
        // no reply: every datagram of the flow is new, as Linux has it
        assertTrue(summary.contains("by ct state and direction:\n         1,001  new original\n"), summary);
        assertTrue(summary.contains("by fate:\n         1,001  forwarded to wan\n"), summary);
        assertFalse(summary.contains("  -> forwarded to wan"), "no row is printed");
        assertEquals(ReplayCommand.TABLE_LINES_WITH_SUMMARY, summary.split(" dport=53 \\[UNREPLIED\\]", -1).length - 1,
            "the table's first lines");
        assertTrue(summary.contains("\n(981 more in "), summary);
        console.reset();
        assertEquals(0, command.replay(session, "--pcap", pcap.toString(), "--iface", LAN, "--iface", WAN, "--verbose",
            "--out", tmp.resolve("out2").toString()), err());
        assertEquals(ReplayCommand.ROWS_SHOWN_UP_TO + 1, out().split("  -> forwarded to wan\n", -1).length - 1);
        assertEquals(ReplayCommand.ROWS_SHOWN_UP_TO + 1, out().split(" dport=53 \\[UNREPLIED\\]", -1).length - 1);
    }

    /** The report of the udp case, parsed as XML (it must be well-formed). */
    static Document udpReport(ReplayCommand command, CommandSession session, Path dir) throws Exception {
        Path report = dir.resolve("report.html");
        assertEquals(0, command.replay(session, TestData.oracleCases().resolve("udp").toString(), "--quiet",
            "--report", report.toString(), "--out", dir.resolve("out").toString()));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(report.toFile());
    }

    private static List<Element> byClass(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList all = d.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (List.of(e.getAttribute("class").split(" ")).contains(cls)) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void theReportIsOnePageWithEachConnectionsPacketsEventsAndTheKernelsVerdicts() throws Exception {
        Document d = udpReport(command, session, tmp);
        // the udp case: three flows, 21 packets, 6 events; the kernel agrees on every verdict
        assertEquals(3, byClass(d, "section", "conn").size());
        List<Element> packets = byClass(d, "tr", "pkt");
        assertEquals(21, packets.size());
        assertEquals(6, byClass(d, "tr", "ev").size());
        assertEquals(0, byClass(d, "tr", "diff").size());
        assertTrue(byClass(d, "p", "summary").get(0).getTextContent().contains("21 of 21 agree"));
        Element first = packets.get(0);
        NodeList cells = first.getElementsByTagName("td");
        assertEquals("1", cells.item(1).getTextContent());
        assertEquals("lan", cells.item(2).getTextContent());
        assertEquals("new original", cells.item(3).getTextContent());
        assertEquals("new original", cells.item(4).getTextContent(), "the kernel's verdict beside ours");
        assertEquals("forwarded to wan", cells.item(5).getTextContent());
        assertTrue(cells.item(6).getTextContent().startsWith("UDP 198.51.100.10:42000 > 203.0.113.10:5353"));
        // self-contained: nothing to fetch
        assertEquals(0, d.getElementsByTagName("script").getLength());
        assertEquals(0, d.getElementsByTagName("link").getLength());
        assertEquals(1, d.getElementsByTagName("style").getLength());
    }
}
