package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The few Python string semantics compare.py relies on, so that the port splits, strips and orders text exactly
 * as the reference does (Python's idea of whitespace and line breaks is wider than Java's).
 */
final class PyText {
    /** Python's {@code \s} in a str pattern, as a regex character class body (str.isspace). */
    static final String SPACE_CLASS =
            "\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
    /** Python's {@code \s}. */
    static final String SPACE = "[" + SPACE_CLASS + "]";
    /** Python's {@code \S}. */
    static final String NON_SPACE = "[^" + SPACE_CLASS + "]";
    /** Python's {@code \d} in a str pattern: any Unicode decimal digit. */
    static final String DIGIT = "\\p{Nd}";

    /** Python orders str by code point; Java's compareTo by UTF-16 unit differs above the BMP. */
    static final Comparator<String> CODE_POINT_ORDER = PyText::compareCodePoints;

    private PyText() {
    }

    /** {@code path.read_text(errors="replace")}: UTF-8, malformed bytes replaced. */
    static String read(Path path) throws IOException {
        return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
    }

    static boolean isSpace(int c) {
        switch (c) {
            case '\t': case '\n': case 0x0B: case '\f': case '\r':
            case 0x1C: case 0x1D: case 0x1E: case 0x1F: case ' ':
            case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
            case 0x202F: case 0x205F: case 0x3000:
                return true;
            default:
                return c >= 0x2000 && c <= 0x200A;
        }
    }

    private static boolean isLineBreak(char c) {
        switch (c) {
            case '\n': case '\r': case 0x0B: case '\f': case 0x1C: case 0x1D: case 0x1E:
            case 0x85: case 0x2028: case 0x2029:
                return true;
            default:
                return false;
        }
    }

    /** {@code str.splitlines()}: no empty last line for a trailing break; \r\n is one break. */
    static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (!isLineBreak(c)) {
                i++;
                continue;
            }
            lines.add(s.substring(start, i));
            i += c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
            start = i;
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** {@code not s.strip()}. */
    static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** {@code " ".join(s.split())}: runs of whitespace become one space, none at the ends. */
    static String collapseSpaces(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isSpace(c)) {
                pendingSpace = sb.length() > 0;
            } else {
                if (pendingSpace) {
                    sb.append(' ');
                    pendingSpace = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code s.split()}: the words between runs of whitespace. */
    static String[] words(String s) {
        String c = collapseSpaces(s);
        return c.isEmpty() ? new String[0] : c.split(" ");
    }

    /** {@code "%s" % value}: null prints as None. */
    static String str(Object value) {
        return value == null ? "None" : value.toString();
    }

    /** {@code repr(s)} of a str (None for null). */
    static String repr(String s) {
        if (s == null) {
            return "None";
        }
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (isPrintable(c)) {
                sb.appendCodePoint(c);
            } else if (c < 0x100) {
                sb.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.append(String.format("\\U%08x", c));
            }
        });
        return sb.append(quote).toString();
    }

    /** Python's str.isprintable for one code point: not a control, format, surrogate, private, unassigned or
     * separator character, space excepted. */
    private static boolean isPrintable(int c) {
        if (c == ' ') {
            return true;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
