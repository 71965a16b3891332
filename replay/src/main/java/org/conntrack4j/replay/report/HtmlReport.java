package org.conntrack4j.replay.report;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.conntrack4j.replay.run.PacketConnections;

/**
 * {@code replay --report FILE}: one self-contained HTML page (its style inline, no script, nothing fetched) with, per
 * connection, the timeline of its packets (our ct state and direction, the kernel's beside it where the case folder
 * has its {@code ctstate.tsv}, the fate, the packet) and its events (with the state they carry), in capture time.
 * Packets conntrack gave no connection are grouped at the end.
 *
 * <p>Bounded whatever the capture: the first {@link #MAX_CONNECTIONS} connections, {@link #MAX_ITEMS} packets and as
 * many events of each, and the frames {@link PacketConnections} kept; the page says what it left out. The outputs are
 * read as streams, so memory holds only what is shown. The markup is well-formed XML (every element closed, no named
 * entities), so that it can be checked by a parser.
 */
public final class HtmlReport {
    /** Connections shown, in the order of their first packet. */
    public static final int MAX_CONNECTIONS = 200;
    /** Packets shown per connection, and events per connection. */
    public static final int MAX_ITEMS = 60;

    /** {@code [SECONDS.MICROS] [TYPE] rest}: conntrack prints the microseconds left-aligned, not zero-padded. */
    private static final Pattern EVENT = Pattern.compile("^\\[(\\d+)\\.(\\d+)\\s*\\]\\s*\\[(\\w+)\\]\\s*(.*?)\\s*$");
    private static final Pattern ID = Pattern.compile("\\sid=(\\d+)");
    private static final Pattern STATE = Pattern.compile("\\s([A-Z][A-Z_]+)\\s+src=");

    /** One line of a connection's timeline. */
    private record Item(double time, boolean event, String[] cells) {
    }

    private static final class Conn {
        final long id;
        final List<Item> items = new ArrayList<>();
        int packets;
        int events;
        int packetsLeft;
        int eventsLeft;
        String title;

        Conn(long id) {
            this.id = id;
        }
    }

    private HtmlReport() {
    }

    /**
     * Writes the report of the replay whose outputs are in {@code outDir} ({@code ctstate.tsv}, and
     * {@code events.txt} when written) to {@code file}; {@code kernelRows} is the case's own {@code ctstate.tsv}, or
     * null. Returns the connections shown.
     */
    public static int write(Path file, String caseName, Path outDir, Path kernelRows, PacketConnections ids)
        throws IOException {
        Map<String, String[]> kernel = kernelRows != null && Files.isRegularFile(kernelRows)
            ? kernelVerdicts(kernelRows, ids.limit()) : null;
        Map<Long, Conn> conns = new LinkedHashMap<>();
        Conn none = new Conn(PacketConnections.NONE);
        none.title = "packets without a connection (not tracked, invalid, or never seen by conntrack)";
        long frames = 0;
        long beyondFrames = 0;
        long hiddenConnPackets = 0;
        long agree = 0;
        long compared = 0;
        try (BufferedReader in = Files.newBufferedReader(outDir.resolve("ctstate.tsv"), StandardCharsets.UTF_8)) {
            String[] head = split(in.readLine());
            int iIdx = col(head, "idx");
            int iTime = col(head, "time");
            int iIface = col(head, "iface");
            int iState = col(head, "ct_state");
            int iDir = col(head, "ct_dir");
            int iSummary = col(head, "summary");
            int iReason = col(head, "ct_log_reason");
            int iFate = col(head, "fate");
            String line;
            while ((line = in.readLine()) != null) {
                String[] c = split(line);
                if (c.length <= Math.max(iSummary, iDir)) {
                    continue;
                }
                frames++;
                String idx = c[iIdx];
                String[] k = kernel == null ? null : kernel.get(idx);
                boolean same = k != null && k[0].equals(c[iState]) && k[1].equals(c[iDir]);
                if (k != null) {
                    compared++;
                    agree += same ? 1 : 0;
                }
                long index = parseLong(idx);
                if (index > ids.limit()) {
                    beyondFrames++;
                    continue;
                }
                long id = ids.get(index);
                Conn conn = id == PacketConnections.NONE ? none : conns.get(id);
                if (conn == null) {
                    if (conns.size() >= MAX_CONNECTIONS) {
                        hiddenConnPackets++;
                        continue;
                    }
                    conns.put(id, conn = new Conn(id));
                }
                conn.packets++;
                if (conn.items.size() - conn.events >= MAX_ITEMS) {
                    conn.packetsLeft++;
                    continue;
                }
                if (conn.title == null) {
                    conn.title = c[iSummary];
                }
                String reason = iReason >= 0 && iReason < c.length && !c[iReason].equals("-") ? c[iReason] : "";
                conn.items.add(new Item(parseTime(c[iTime]), false, new String[] {idx, c[iIface], c[iState], c[iDir],
                    k == null ? "" : k[0], k == null ? "" : k[1], same || k == null ? "" : "diff",
                    iFate >= 0 && iFate < c.length ? c[iFate] : "", c[iSummary], reason}));
            }
        }
        Path events = outDir.resolve("events.txt");
        if (Files.isRegularFile(events)) {
            readEvents(events, conns, ids.firstNanos());
        }
        if (!none.items.isEmpty() || none.packetsLeft > 0) {
            conns.put(PacketConnections.NONE, none);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            page(w, caseName, conns, frames, beyondFrames, hiddenConnPackets, kernel != null, agree, compared,
                ids.limit());
        }
        return conns.size();
    }

    /** The kernel's {@code (ct_state, ct_dir)} by {@code idx}, for the frames the report may show. */
    private static Map<String, String[]> kernelVerdicts(Path file, int limit) throws IOException {
        Map<String, String[]> m = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String[] head = split(in.readLine());
            int iIdx = col(head, "idx");
            int iState = col(head, "ct_state");
            int iDir = col(head, "ct_dir");
            String line;
            while ((line = in.readLine()) != null && m.size() < limit) {
                String[] c = split(line);
                if (iIdx >= 0 && c.length > Math.max(iState, iDir) && iState >= 0 && iDir >= 0) {
                    m.put(c[iIdx], new String[] {c[iState], c[iDir]});
                }
            }
        }
        return m;
    }

    /** Adds each event to its connection's timeline (connections not shown are skipped). */
    private static void readEvents(Path events, Map<Long, Conn> conns, long firstNanos) throws IOException {
        double first = firstNanos == Long.MIN_VALUE ? 0 : firstNanos / 1e9;
        try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                Matcher id = ID.matcher(line);
                Matcher e = EVENT.matcher(line);
                if (!id.find() || !e.matches()) {
                    continue;
                }
                Conn conn = conns.get(parseLong(id.group(1)));
                if (conn == null) {
                    continue;
                }
                if (conn.events >= MAX_ITEMS) {
                    conn.eventsLeft++;
                    continue;
                }
                conn.events++;
                double t = Long.parseLong(e.group(1)) + Long.parseLong(e.group(2)) / 1e6 - first;
                Matcher st = STATE.matcher(" " + e.group(4));
                String text = e.group(4).replaceAll("\\s+", " ");
                if (conn.title == null || conn.events == 1) {
                    conn.title = text.replaceFirst("\\s*id=\\d+.*$", "");
                }
                conn.items.add(new Item(t, true, new String[] {e.group(3), st.find() ? st.group(1) : "", text}));
            }
        }
    }

    private static void page(BufferedWriter w, String caseName, Map<Long, Conn> conns, long frames, long beyondFrames,
        long hiddenConnPackets, boolean withKernel, long agree, long compared, int frameLimit) throws IOException {
        w.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>");
        w.write(esc("replay " + caseName));
        w.write("</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n<h1>");
        w.write(esc("replay " + caseName));
        w.write("</h1>\n<p class=\"summary\">");
        int shown = conns.size() - (conns.containsKey(PacketConnections.NONE) ? 1 : 0);
        w.write(String.format(Locale.ROOT, "%,d packets, %,d connection%s shown", frames, shown, shown == 1 ? "" : "s"));
        if (withKernel) {
            w.write(String.format(Locale.ROOT, "; the kernel's verdicts beside ours: %,d of %,d agree", agree, compared));
        } else {
            w.write("; the case has no kernel verdicts to compare");
        }
        w.write(".</p>\n");
        List<String> left = new ArrayList<>();
        if (beyondFrames > 0) {
            left.add(String.format(Locale.ROOT, "%,d packets after the first %,d", beyondFrames, frameLimit));
        }
        if (hiddenConnPackets > 0) {
            left.add(String.format(Locale.ROOT, "%,d packets of connections after the first %d", hiddenConnPackets,
                MAX_CONNECTIONS));
        }
        long perConn = 0;
        for (Conn c : conns.values()) {
            perConn += c.packetsLeft + c.eventsLeft;
        }
        if (perConn > 0) {
            left.add(String.format(Locale.ROOT, "%,d packets and events beyond %d of each per connection", perConn,
                MAX_ITEMS));
        }
        if (!left.isEmpty()) {
            w.write("<p class=\"capped\">Not shown, to keep this page small: " + esc(String.join("; ", left))
                + " (ctstate.tsv and events.txt hold every one).</p>\n");
        }
        w.write("<p class=\"legend\"><span class=\"st new\">new</span> <span class=\"st established\">established"
            + "</span> <span class=\"st related\">related</span> <span class=\"st invalid\">invalid</span> "
            + "<span class=\"st untracked\">untracked</span> <span class=\"st none\">not seen</span> "
            + "<span class=\"diff\">differs from the kernel</span></p>\n");
        for (Conn c : conns.values()) {
            connection(w, c, withKernel);
        }
        w.write("</body>\n</html>\n");
    }

    private static void connection(BufferedWriter w, Conn c, boolean withKernel) throws IOException {
        c.items.sort((a, b) -> Double.compare(a.time, b.time));
        w.write("<section class=\"conn\">\n<h2>");
        w.write(c.id == PacketConnections.NONE ? "" : "id=" + c.id + " ");
        w.write("<span class=\"title\">" + esc(c.title == null ? "" : c.title) + "</span></h2>\n");
        w.write(String.format(Locale.ROOT, "<p class=\"count\">%,d packets, %,d events</p>\n", c.packets,
            c.events + c.eventsLeft));
        // the states at a glance: one cell per packet shown, in time order
        w.write("<div class=\"strip\">");
        for (Item i : c.items) {
            if (!i.event) {
                w.write("<span class=\"cell " + stateClass(i.cells[2]) + "\" title=\"" + esc(i.cells[0] + " "
                    + i.cells[2] + " " + i.cells[3]) + "\"></span>");
            }
        }
        w.write("</div>\n<table>\n<thead><tr><th>time (s)</th><th>idx</th><th>iface</th><th>ct state (ours)</th>");
        if (withKernel) {
            w.write("<th>kernel</th>");
        }
        w.write("<th>fate</th><th>packet / event</th></tr></thead>\n<tbody>\n");
        for (Item i : c.items) {
            String time = String.format(Locale.ROOT, "%.6f", i.time);
            if (i.event) {
                w.write("<tr class=\"ev\"><td>" + time + "</td><td></td><td></td><td><span class=\"evt\">"
                    + esc(i.cells[0]) + "</span> " + esc(i.cells[1]) + "</td>" + (withKernel ? "<td></td>" : "")
                    + "<td></td><td>" + esc(i.cells[2]) + "</td></tr>\n");
                continue;
            }
            String[] p = i.cells;
            w.write("<tr class=\"pkt" + (p[6].isEmpty() ? "" : " diff") + "\"><td>" + time + "</td><td>" + esc(p[0])
                + "</td><td>" + esc(p[1]) + "</td><td><span class=\"st " + stateClass(p[2]) + "\">" + esc(p[2])
                + "</span> " + esc(p[3]) + "</td>");
            if (withKernel) {
                w.write("<td>" + (p[4].isEmpty() ? "" : "<span class=\"st " + stateClass(p[4]) + "\">" + esc(p[4])
                    + "</span> " + esc(p[5])) + "</td>");
            }
            w.write("<td class=\"fate\">" + esc(p[7]) + "</td><td>" + esc(p[8])
                + (p[9].isEmpty() ? "" : "<br/><span class=\"reason\">" + esc(p[9]) + "</span>") + "</td></tr>\n");
        }
        w.write("</tbody>\n</table>\n</section>\n");
    }

    private static String stateClass(String state) {
        switch (state) {
            case "new":
            case "established":
            case "related":
            case "invalid":
            case "untracked":
                return state;
            default:
                return "none";
        }
    }

    private static final String STYLE = String.join("\n",
        "body { font: 13px/1.4 sans-serif; margin: 1.5em; color: #1d2430; background: #ffffff; }",
        "h1 { font-size: 20px; margin: 0 0 .4em; }",
        "h2 { font-size: 14px; margin: 0 0 .3em; font-weight: 600; }",
        ".title { font-family: monospace; font-weight: normal; }",
        ".summary { font-size: 14px; }",
        ".capped { background: #fff4d6; border-left: 4px solid #e0a800; padding: .4em .6em; }",
        ".conn { border: 1px solid #c9d1dc; border-radius: 6px; padding: .6em .8em; margin: 1em 0; background: #f7f9fc; }",
        ".count { margin: 0 0 .3em; color: #56606e; }",
        ".strip { display: flex; gap: 2px; margin: .3em 0 .5em; flex-wrap: wrap; }",
        ".cell { display: inline-block; width: 14px; height: 14px; border-radius: 2px; }",
        "table { border-collapse: collapse; width: 100%; background: #ffffff; }",
        "th, td { border: 1px solid #dde3ea; padding: 2px 6px; text-align: left; vertical-align: top; }",
        "th { background: #e8edf4; }",
        "td { font-family: monospace; font-size: 12px; }",
        "tr.ev td { background: #eef6ee; color: #2b4f2b; }",
        "tr.diff td { background: #fde2e2; }",
        ".diff { background: #fde2e2; padding: 0 4px; }",
        ".st { display: inline-block; padding: 0 5px; border-radius: 3px; color: #ffffff; }",
        ".new, .cell.new { background: #2f6fdf; }",
        ".established, .cell.established { background: #2e9b4f; }",
        ".related, .cell.related { background: #8a4fd0; }",
        ".invalid, .cell.invalid { background: #d33a3a; }",
        ".untracked, .cell.untracked { background: #7d8590; }",
        ".none, .cell.none { background: #b0b7c0; }",
        ".evt { font-weight: bold; color: #2b6e2b; }",
        ".fate { color: #3b3b6b; }",
        ".reason { color: #b03030; }",
        "");

    /** Text for an element or an attribute: the five XML specials as character references. */
    static String esc(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            String r = ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : ch == '&' ? "&amp;" : ch == '"' ? "&quot;"
                : ch == '\'' ? "&#39;" : ch < 0x20 && ch != '\t' ? "?" : null;
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(ch);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private static String[] split(String line) {
        return line == null ? new String[0] : line.split("\t", -1);
    }

    private static int col(String[] head, String name) {
        for (int i = 0; i < head.length; i++) {
            if (head[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static double parseTime(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
