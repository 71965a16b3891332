package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NAT source ports (TCP, UDP, SCTP) and ICMP echo ids the kernel picked at random, mapped to the ones the replay
 * picked for the same flows (compare.py's nat_rewrites, rename and packet_rewrite).
 *
 * <p>A conntrack line whose reply destination port differs from the original source port had its source port
 * rewritten. Lines of the case and of the replay (table.txt, then events.txt; a later line for the same original
 * tuple wins) are matched by protocol and original tuple. Each renaming is keyed by the kernel's whole reply
 * tuple, so two flows the kernel gave the same port towards different peers are renamed independently. Order is
 * that of first appearance, as in a Python dict, because renaming applies the entries in turn.
 */
final class NatPortRenaming {
    private static final String S = PyText.SPACE;
    private static final String NS = PyText.NON_SPACE;
    private static final String D = PyText.DIGIT;
    /** The protocol name, where Python's \b sits before it: no letter, digit or underscore just before. */
    private static final Pattern L4_NAME =
            Pattern.compile("(?<![\\p{L}\\p{N}_])(tcp|udp|udplite|sctp|dccp)" + S + "+" + D + "+" + S);
    private static final Pattern TUPLE =
            Pattern.compile("src=(" + NS + "+) dst=(" + NS + "+) sport=(" + D + "+) dport=(" + D + "+)");
    /** An ICMP/ICMPv6 echo tuple: the id plays the role of both ports. */
    private static final Pattern ECHO =
            Pattern.compile("src=(" + NS + "+) dst=(" + NS + "+) type=(" + D + "+) code=0 id=(" + D + "+)");
    /** The key's protocol name for echo flows. */
    private static final String ICMP = "icmp";

    /** Kernel reply tuple (protocol, src, dst, sport, dport) to the replay's port, in Python dict order. */
    private final Map<List<String>, String> ports;

    private NatPortRenaming(Map<List<String>, String> ports) {
        this.ports = ports;
    }

    static NatPortRenaming find(Path caseDir, Path outDir) throws IOException {
        Map<List<String>, List<String>> kernel = flows(caseDir);
        Map<List<String>, List<String>> replay = flows(outDir);
        Map<List<String>, String> ports = new LinkedHashMap<>();
        for (Map.Entry<List<String>, List<String>> e : kernel.entrySet()) {
            List<String> mine = replay.get(e.getKey());
            List<String> reply = e.getValue();
            if (mine != null && !mine.get(3).equals(reply.get(3))) {
                ports.put(List.of(e.getKey().get(0), reply.get(0), reply.get(1), reply.get(2), reply.get(3)),
                        mine.get(3));
            }
        }
        return new NatPortRenaming(ports);
    }

    /** (protocol, original tuple) to reply tuple, for every line with a rewritten source port. */
    private static Map<List<String>, List<String>> flows(Path dir) throws IOException {
        Map<List<String>, List<String>> found = new LinkedHashMap<>();
        for (String file : new String[] {"table.txt", "events.txt"}) {
            Path path = dir.resolve(file);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : PyText.splitLines(PyText.read(path))) {
                Matcher name = L4_NAME.matcher(line);
                Matcher m = TUPLE.matcher(line);
                if (name.find() && m.find()) {
                    List<String> original = List.of(m.group(1), m.group(2), m.group(3), m.group(4));
                    if (m.find() && !original.get(2).equals(m.group(4))) {
                        found.put(List.of(name.group(1), original.get(0), original.get(1), original.get(2),
                                original.get(3)), List.of(m.group(1), m.group(2), m.group(3), m.group(4)));
                    }
                }
                Matcher e = ECHO.matcher(line);
                if (e.find()) {
                    List<String> o = List.of(e.group(1), e.group(2), e.group(3), e.group(4));
                    if (e.find() && !o.get(3).equals(e.group(4)) && (o.get(2).equals("8") || o.get(2).equals("128"))) {
                        found.put(List.of(ICMP, o.get(0), o.get(1), o.get(3), o.get(3)),
                                List.of(e.group(1), e.group(2), e.group(4), e.group(4)));
                    }
                }
            }
        }
        return found;
    }

    boolean isEmpty() {
        return ports.isEmpty();
    }

    int size() {
        return ports.size();
    }

    /** "PROTO SRC DST SPORT DPORT" of the kernel's reply tuple to the replay's port, as compare.py reports it. */
    Map<String, Object> describe() {
        Map<String, Object> map = new LinkedHashMap<>();
        ports.forEach((key, port) -> map.put(String.join(" ", key), port));
        return Collections.unmodifiableMap(map);
    }

    /**
     * A kernel line with each renamed reply tuple given the replay's port, or each renamed echo reply tuple the
     * replay's id (plain substring replacement).
     */
    String rename(String line) {
        for (Map.Entry<List<String>, String> e : ports.entrySet()) {
            List<String> k = e.getKey();
            if (k.get(0).equals(ICMP)) {
                for (String type : new String[] {"0", "129"}) {
                    line = line.replace(echoText(k.get(1), k.get(2), type, k.get(4)),
                            echoText(k.get(1), k.get(2), type, e.getValue()));
                }
                continue;
            }
            line = line.replace(tupleText(k.get(1), k.get(2), k.get(3), k.get(4)),
                    tupleText(k.get(1), k.get(2), k.get(3), e.getValue()));
        }
        return line;
    }

    private static String echoText(String src, String dst, String type, String id) {
        return "src=" + src + " dst=" + dst + " type=" + type + " code=0 id=" + id;
    }

    private static String tupleText(String src, String dst, String sport, String dport) {
        return "src=" + src + " dst=" + dst + " sport=" + sport + " dport=" + dport;
    }

    /**
     * A kernel packet of a renamed flow with the replay's value put in and its L4 checksum zeroed
     * ({@link IpPackets#checksumSpan}); null when the packet belongs to no renamed flow. TCP, UDP and SCTP get the
     * port (destination port in the reply direction, source port in the original direction after SNAT); ICMP and
     * ICMPv6 echo requests and replies get the id. A packet too short for its addresses is left alone (compare.py
     * would fail on it), as is a value beyond 65535.
     */
    byte[] rewrite(byte[] p) {
        if (p.length == 0 || ports.isEmpty()) {
            return null;
        }
        boolean v4 = (p[0] & 0xFF) >> 4 == 4;
        if (p.length < (v4 ? 20 : 40)) {
            return null;
        }
        int off = v4 ? (p[0] & 15) * 4 : 40;
        int protocol = p[v4 ? 9 : 6] & 0xFF;
        String src = v4 ? AddressText.of(p, 12, 4) : AddressText.of(p, 8, 16);
        String dst = v4 ? AddressText.of(p, 16, 4) : AddressText.of(p, 24, 16);
        if ((protocol == 1 || protocol == 58) && p.length >= off + 8) {
            int type = p[off] & 0xFF;
            if (type == 0 || type == 8 || type == 128 || type == 129) {
                return rewriteEcho(p, off, type, src, dst);
            }
        }
        String name = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : protocol == 132 ? "sctp" : null;
        if (name == null || p.length < off + 8) {
            return null;
        }
        int sp = IpPackets.u16(p, off);
        int dp = IpPackets.u16(p, off + 2);
        String sport = Integer.toString(sp);
        String dport = Integer.toString(dp);
        for (Map.Entry<List<String>, String> e : ports.entrySet()) {
            List<String> k = e.getKey();
            if (!k.get(0).equals(name)) {
                continue;
            }
            if (src.equals(k.get(1)) && dst.equals(k.get(2)) && sport.equals(k.get(3)) && dport.equals(k.get(4))) {
                dp = port(e.getValue());
            } else if (src.equals(k.get(2)) && dst.equals(k.get(1)) && sport.equals(k.get(4))
                    && dport.equals(k.get(3))) {
                sp = port(e.getValue());
            } else {
                continue;
            }
            if (sp < 0 || dp < 0) {
                return null;
            }
            byte[] b = p.clone();
            b[off] = (byte) (sp >> 8);
            b[off + 1] = (byte) sp;
            b[off + 2] = (byte) (dp >> 8);
            b[off + 3] = (byte) dp;
            return IpPackets.zeroChecksum(b, off, protocol);
        }
        return null;
    }

    /** An echo request (original direction, after SNAT) or reply (reply direction) of a renamed echo flow. */
    private byte[] rewriteEcho(byte[] p, int off, int type, String src, String dst) {
        String ident = Integer.toString(IpPackets.u16(p, off + 4));
        boolean request = type == 8 || type == 128;
        for (Map.Entry<List<String>, String> e : ports.entrySet()) {
            List<String> k = e.getKey();
            if (!k.get(0).equals(ICMP) || !ident.equals(k.get(3))) {
                continue;
            }
            boolean hit = request ? src.equals(k.get(2)) && dst.equals(k.get(1))
                    : src.equals(k.get(1)) && dst.equals(k.get(2));
            int id = port(e.getValue());
            if (!hit || id < 0) {
                continue;
            }
            byte[] b = p.clone();
            b[off + 4] = (byte) (id >> 8);
            b[off + 5] = (byte) id;
            return IpPackets.zeroChecksum(b, off, p[(p[0] & 0xFF) >> 4 == 4 ? 9 : 6] & 0xFF);
        }
        return null;
    }

    /** The port as a number, or -1 when it is not one a header can hold. */
    private static int port(String text) {
        try {
            int v = Integer.parseInt(text);
            return v >= 0 && v <= 0xFFFF ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
