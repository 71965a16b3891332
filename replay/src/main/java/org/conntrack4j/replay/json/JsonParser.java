package org.conntrack4j.replay.json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser returning plain Java values:
 * <ul>
 * <li>object: {@code LinkedHashMap<String, Object>} in document order; a repeated name keeps its last value (as
 * JavaScript and Python do);</li>
 * <li>array: {@code ArrayList<Object>};</li>
 * <li>string: {@code String};</li>
 * <li>number: {@code Long} when written without fraction or exponent and within the range of a long (so
 * {@code -0} is {@code 0L}); otherwise {@code Double}. A number beyond the range of a double is an error;</li>
 * <li>{@code true}/{@code false}: {@code Boolean}; {@code null}: {@code null}.</li>
 * </ul>
 * Anything else is an error: comments, trailing commas, single quotes, unescaped control characters, leading
 * zeros, NaN, text after the value. A byte order mark at the very start is skipped (RFC 8259 section 8.1).
 * Nesting deeper than the limit is an error rather than a stack overflow.
 */
public final class JsonParser {
    /** Default limit on nested arrays and objects; far beyond any real document, far below the stack's reach. */
    public static final int DEFAULT_MAX_DEPTH = 256;

    private final String text;
    private final String source;
    private final int maxDepth;
    private int pos;
    private int depth;

    private JsonParser(CharSequence text, String source, int maxDepth) {
        this.text = text.toString();
        this.source = source;
        this.maxDepth = maxDepth;
    }

    /** Parses one JSON text. */
    public static Object parse(CharSequence text) throws JsonSyntaxException {
        return parse(text, null, DEFAULT_MAX_DEPTH);
    }

    /**
     * Parses one JSON text.
     *
     * @param source named at the start of error messages, or null
     * @param maxDepth how deeply arrays and objects may nest, at least 1
     */
    public static Object parse(CharSequence text, String source, int maxDepth) throws JsonSyntaxException {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth " + maxDepth);
        }
        return new JsonParser(text, source, maxDepth).document();
    }

    /**
     * Parses a UTF-8 file; errors name it by its file name.
     *
     * @throws CharacterCodingException when the file is not valid UTF-8
     */
    public static Object parse(Path file) throws IOException, JsonSyntaxException {
        String text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                .toString();
        Path name = file.getFileName();
        return parse(text, name == null ? file.toString() : name.toString(), DEFAULT_MAX_DEPTH);
    }

    private Object document() throws JsonSyntaxException {
        if (text.startsWith("\uFEFF")) {
            pos = 1;
        }
        skipWhitespace();
        Object value = value();
        skipWhitespace();
        if (pos < text.length()) {
            throw error("unexpected " + describe(pos) + " after the value");
        }
        return value;
    }

    private Object value() throws JsonSyntaxException {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describe(pos) + ", expected a value");
        }
    }

    private Map<String, Object> object() throws JsonSyntaxException {
        enter();
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string as member name, found " + describe(pos));
            }
            String name = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            map.put(name, value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == '}') {
                pos++;
                depth--;
                return map;
            } else {
                throw error("expected ',' or '}' in an object, found " + describe(pos));
            }
        }
    }

    private List<Object> array() throws JsonSyntaxException {
        enter();
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == ']') {
                pos++;
                depth--;
                return list;
            } else {
                throw error("expected ',' or ']' in an array, found " + describe(pos));
            }
        }
    }

    private void enter() throws JsonSyntaxException {
        if (++depth > maxDepth) {
            throw error("nesting deeper than " + maxDepth + " levels");
        }
    }

    private String string() throws JsonSyntaxException {
        int start = ++pos; // after the opening quote
        // the common case has no escapes: one substring, no builder
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '"') {
                return text.substring(start, pos++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + hex4(c) + " in a string");
            }
            pos++;
        }
        StringBuilder sb = new StringBuilder(text.length() - start > 64 ? 64 : 16);
        sb.append(text, start, pos);
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + hex4(c) + " in a string");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= text.length()) {
                break;
            }
            char e = text.charAt(pos + 1);
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    sb.append(e);
                    break;
                case 'b':
                    sb.append('\b');
                    break;
                case 'f':
                    sb.append('\f');
                    break;
                case 'n':
                    sb.append('\n');
                    break;
                case 'r':
                    sb.append('\r');
                    break;
                case 't':
                    sb.append('\t');
                    break;
                case 'u':
                    sb.append(unicodeEscape(pos + 2));
                    pos += 4;
                    break;
                default:
                    throw error("invalid escape \\" + printable(e) + " in a string");
            }
            pos += 2;
        }
        throw error("unterminated string starting at " + position(start - 1));
    }

    /** The four hex digits of a backslash-u escape (a lone surrogate is kept as is, as RFC 8259 allows). */
    private char unicodeEscape(int at) throws JsonSyntaxException {
        int v = 0;
        for (int i = at; i < at + 4; i++) {
            int d = i < text.length() ? hexValue(text.charAt(i)) : -1;
            if (d < 0) {
                pos = Math.min(i, text.length());
                throw error("expected four hex digits after \\u");
            }
            v = v << 4 | d;
        }
        return (char) v;
    }

    /** 0-15 for an ASCII hex digit, else -1 (Character.digit would also take fullwidth digits). */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private Object number() throws JsonSyntaxException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in a number");
            }
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("expected a digit, found " + describe(pos));
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after the decimal point, found " + describe(pos));
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent, found " + describe(pos));
            }
            digits();
        }
        String literal = text.substring(start, pos);
        if (integer && pos - start <= 20) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException beyondLong) {
                // falls through to Double
            }
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            pos = start;
            throw error("number " + (literal.length() > 40 ? literal.substring(0, 40) + "..." : literal)
                    + " is beyond the range of a double");
        }
        return d;
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) throws JsonSyntaxException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describe(pos) + ", expected a value");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) throws JsonSyntaxException {
        if (peek() != c) {
            throw error("expected '" + c + "', found " + describe(pos));
        }
        pos++;
    }

    /** The character at the cursor, or -1 at the end. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describe(int at) {
        return at >= text.length() ? "end of input" : "'" + printable(text.charAt(at)) + "'";
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7F || Character.isSurrogate(c) ? "U+" + hex4(c) : String.valueOf(c);
    }

    private static String hex4(char c) {
        return String.format("%04X", (int) c);
    }

    private String position(int at) {
        int[] lc = lineAndColumn(at);
        return "line " + lc[0] + ", column " + lc[1];
    }

    /** Line and column are worked out only when an error needs them; \n, \r\n and a lone \r end a line. */
    private int[] lineAndColumn(int at) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at && i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
                line++;
                lineStart = i + 1;
            }
        }
        return new int[] {line, at - lineStart + 1};
    }

    private JsonSyntaxException error(String problem) {
        int[] lc = lineAndColumn(pos);
        return new JsonSyntaxException(source, lc[0], lc[1], problem);
    }
}
