package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Commands of the unpacked archive: soak, and replay's interface mapping and rules files read as bytes. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CommandsTest {
    private static final String LAN = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24,2001:db8:1::1/64";
    private static final String WAN = "wan,02:00:00:00:02:01,02:00:00:00:02:02,203.0.113.1/24,2001:db8:2::1/64";

    @TempDir
    static Path tmp;
    static Path home;
    static Map<String, String> env;

    @BeforeAll
    static void unpack() throws IOException {
        home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        env = Dist.plainEnv(Files.createDirectory(tmp.resolve("user-home")));
    }

    private static Dist.Result run(String... args) {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString()));
        c.addAll(List.of(args));
        return Dist.run(c, tmp, env, null, 120);
    }

    @Test
    void soakPrintsARowPerPeriodWithHeapTableAndCounters() {
        Dist.Result r = run("soak", "--minutes", "0.1", "--report-seconds", "2", "--conns", "200", "--long", "100");
        r.assertStatus(0);
        List<String> lines = r.out().lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("seconds")) {
                header = i;
            }
        }
        assertTrue(header >= 0, r.out());
        List<String> columns = Arrays.asList(lines.get(header).trim().split("\\s+"));
        assertTrue(columns.containsAll(List.of("heap_mb", "table", "expect", "found", "new", "invalid", "drop",
            "early_drop", "lost")), columns.toString());
        List<String[]> rows = lines.subList(header + 1, lines.size()).stream()
            .filter(l -> l.trim().matches("[0-9. ]+")).map(l -> l.trim().split("\\s+")).toList();
        assertTrue(rows.size() >= 3, "a row every 2 s for 6 s:\n" + r.out());
        String[] last = rows.get(rows.size() - 1);
        assertEquals(columns.size(), last.length);
        assertTrue(Double.parseDouble(last[columns.indexOf("heap_mb")]) > 0, r.out());
        assertTrue(Long.parseLong(last[columns.indexOf("table")]) > 100, "connections churn through the table:\n"
            + r.out());
        assertTrue(Long.parseLong(last[columns.indexOf("new")]) > 500, r.out());
        assertEquals("0", last[columns.indexOf("invalid")], "the soak's peers speak valid TCP:\n" + r.out());
        assertEquals("0", last[columns.indexOf("lost")], "every packet got through:\n" + r.out());
        assertTrue(r.out().contains("heap after GC: start "), r.out());
    }

    @Test
    void aCookedCaptureWithoutInterfaceMappingIsAUsageErrorAndWithItIsReplayed() {
        String pcap = Dist.SOURCE_ROOT.resolve("testdata/linktypes/any-sll2.pcap").toString();
        Dist.Result none = run("replay", "--pcap", pcap, "--iface", LAN, "--iface", WAN, "--quiet", "--out",
            tmp.resolve("unmapped").toString());
        none.assertStatus(2);
        assertTrue(none.err().contains("ifindex 2: ") && none.err().contains("--map-iface"), none.err());
        Dist.Result mapped = run("replay", "--pcap", pcap, "--iface", LAN, "--iface", WAN, "--map-iface", "2=lan",
            "--map-iface", "3=wan", "--quiet", "--out", tmp.resolve("mapped").toString());
        mapped.assertStatus(0);
        assertEquals("", mapped.err());
    }

    @Test
    void aLatin1CommentInARulesFileIsReadAndAByteOutsideCommentsIsAnErrorAtItsLineAndColumn() throws IOException {
        String pcap = Dist.SOURCE_ROOT.resolve("testdata/linktypes/raw12.pcap").toString();
        Path ok = tmp.resolve("latin1-comment.nft");
        Files.write(ok, "table ip t { # caf\u00e8\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t}\n}\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        run("replay", "--pcap", pcap, "--rules", ok.toString(), "--iface", LAN, "--iface", WAN, "--quiet", "--out",
            tmp.resolve("latin1-ok").toString()).assertStatus(0);
        Path bad = tmp.resolve("latin1-name.nft");
        Files.write(bad, "table ip t {\n\tchain c\u00e8 {\n\t\ttype filter hook forward priority 0;\n\t}\n}\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        Dist.Result r = run("replay", "--pcap", pcap, "--rules", bad.toString(), "--iface", LAN, "--iface", WAN,
            "--quiet", "--out", tmp.resolve("latin1-bad").toString());
        r.assertStatus(4);
        // nft -c -f: "latin1-name.nft:2:9-9: Error: syntax error, unexpected junk" (a tab counts one column)
        assertTrue(r.err().startsWith("replay: " + bad + ":2:9"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
