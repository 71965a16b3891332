package org.conntrack4j.core.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Names of connection labels, as conntrack-tools reads them from {@code connlabel.conf}
 * ({@code /etc/xtables/connlabel.conf}, libnetfilter_conntrack's {@code nfct_labelmap}): conntrack prints a label
 * only through such a map ({@code labels=NAME,...}), and a label with no name not at all. Immutable.
 *
 * <p>The file: one {@code BIT NAME} per line; a line starting with {@code #}, a bit that is no number below 1024 or
 * was named already, an empty name, a name with characters other than letters, digits, blanks and {@code -}, and a
 * name given already are all skipped, as the library skips them.
 *
 * @since 1.1
 */
public final class LabelMap {
    /** The largest bit number the library reads from the file, plus one. */
    private static final int MAX_BITS = 1024;
    private static final LabelMap NUMERIC = numericMap();

    /** By bit: the name, or null for a bit without one; as long as the highest named bit plus one. */
    private final String[] names;

    private LabelMap(String[] names) {
        this.names = names;
    }

    /**
     * The map that names each of the 128 labels by its number ({@code 0 0}, {@code 1 1}, ...), the one the kernel
     * cases were recorded with.
     */
    public static LabelMap numeric() {
        return NUMERIC;
    }

    private static LabelMap numericMap() {
        String[] n = new String[128];
        for (int i = 0; i < n.length; i++) {
            n[i] = Integer.toString(i);
        }
        return new LabelMap(n);
    }

    /** Reads a {@code connlabel.conf} file. A file naming no label gives null, as the library gives no map. */
    public static LabelMap read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** The map of the lines of a {@code connlabel.conf} file, or null if they name no label. */
    public static LabelMap parse(List<String> lines) {
        String[] byBit = new String[MAX_BITS];
        Set<String> seen = new HashSet<>();
        int max = -1;
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            int[] end = new int[1];
            long bit = leadingNumber(line, end);
            if (bit < 0 || bit >= MAX_BITS || byBit[(int) bit] != null) {
                continue;
            }
            String name = trim(line.substring(end[0]));
            if (name.isEmpty() || !sane(name) || !seen.add(name)) {
                continue;
            }
            byBit[(int) bit] = name;
            max = Math.max(max, (int) bit);
        }
        if (max < 0) {
            return null;
        }
        String[] names = new String[max + 1];
        System.arraycopy(byBit, 0, names, 0, max + 1);
        return new LabelMap(names);
    }

    /**
     * The name of label {@code bit}: null past the highest named bit, "" for an unnamed bit below it (the library's
     * {@code nfct_labelmap_get_name}); conntrack prints neither.
     */
    public String name(int bit) {
        if (bit < 0 || bit >= names.length) {
            return null;
        }
        return names[bit] == null ? "" : names[bit];
    }

    /**
     * {@code strtoul(s, &end, 0)} on what the library reads: leading blanks, an optional sign, then decimal, octal
     * ({@code 0...}) or hexadecimal ({@code 0x...}); -1 when no digit was read. {@code end[0]}: where the number ends.
     */
    private static long leadingNumber(String s, int[] end) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
            && i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i < s.length() && s.charAt(i) == '0') {
            radix = 8;
        }
        int start = i;
        long v = 0;
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0 && v < MAX_BITS) {
            v = v * radix + Character.digit(s.charAt(i), radix);
            i++;
        }
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0) {
            i++; // too big: skipped below
            v = MAX_BITS;
        }
        if (i == start) {
            end[0] = 0;
            return -1;
        }
        end[0] = i;
        return neg && v != 0 ? MAX_BITS : v;
    }

    /** The library's {@code trim_label}: blanks around the name, the line end. */
    private static String trim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && blank(s.charAt(a))) {
            a++;
        }
        while (b > a && (blank(s.charAt(b - 1)) || s.charAt(b - 1) == '\n')) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean blank(char c) {
        return c == ' ' || c == '\f' || c == '\r' || c == '\t' || c == 0x0b;
    }

    /** {@code label_is_sane}: ASCII letters, digits, blanks and '-' only. */
    private static boolean sane(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
