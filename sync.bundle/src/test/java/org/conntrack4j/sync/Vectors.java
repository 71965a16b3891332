package org.conntrack4j.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The golden vectors recorded by tools/kernellab/syncvectors.py from a real conntrackd 1.4.7. */
public final class Vectors {
    private Vectors() {
    }

    public static final List<String> SCENARIOS = List.of("ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2");

    /** One captured datagram. */
    public record Datagram(long micros, String src, String dst, byte[] payload) {
        /** @return whether the router (the sending conntrackd) sent it */
        public boolean fromRouter() {
            return src.startsWith("192.0.2.1.") || src.startsWith("2001:db8:5::1.");
        }
    }

    public static String text(String scenario, String file) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + scenario + "/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing vector file " + scenario + "/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Datagram> wire(String scenario) {
        List<Datagram> out = new ArrayList<>();
        for (String line : text(scenario, "wire.txt").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            String[] t = f[0].split("\\.");
            long micros = Long.parseLong(t[0]) * 1_000_000L + Long.parseLong(t[1]);
            out.add(new Datagram(micros, f[1], f[2], HexFormat.of().parseHex(f[3])));
        }
        return out;
    }

    /** @return the times (microseconds) at which {@code who} was started or asked something */
    public static List<Long> timeline(String scenario, String who) {
        return timeline(scenario, who, null);
    }

    /** The times {@code who} was asked {@code what} (a timeline line's rest), or anything when null. */
    public static List<Long> timeline(String scenario, String who, String what) {
        List<Long> out = new ArrayList<>();
        for (String line : text(scenario, "timeline.txt").split("\n")) {
            String[] f = line.split(" ", 3);
            if (line.startsWith("#") || f.length < 3 || !f[1].equals(who) || what != null && !f[2].equals(what)) {
                continue;
            }
            String[] t = f[0].split("\\.");
            out.add(Long.parseLong(t[0]) * 1_000_000L + Long.parseLong(t[1]));
        }
        return out;
    }

    /** A dump file: its time ("# at" line) in microseconds and its text. */
    public record Dump(long micros, String text) {
    }

    public static Dump dump(String scenario, String name) {
        String s = text(scenario, "dumps/" + name + ".txt");
        int nl = s.indexOf('\n');
        String[] t = s.substring("# at ".length(), nl).split("\\.");
        return new Dump(Long.parseLong(t[0]) * 1_000_000L + Long.parseLong(t[1]), s.substring(nl + 1));
    }
}
