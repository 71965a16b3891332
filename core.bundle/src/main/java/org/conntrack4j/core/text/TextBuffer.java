package org.conntrack4j.core.text;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable line of UTF-8 bytes, built by hand, that {@link CtFormat} writes its formats into: a replay writes a
 * row per frame and an event per connection change, and a {@code StringBuilder}, its {@code String} and a
 * {@code Writer}'s encoder per line cost more than the conntrack work behind it. Numbers go in digit by digit;
 * nothing here allocates unless the buffer grows or a text holds characters beyond ASCII.
 *
 * <p>Not thread-safe: one per thread, reused line after line ({@link #clear()}).
 *
 * @since 1.3
 */
public final class TextBuffer implements Appendable {
    private byte[] bytes;
    private int length;

    /** An empty buffer with room for {@code capacity} bytes before it grows. */
    public TextBuffer(int capacity) {
        bytes = new byte[Math.max(capacity, 1)];
    }

    /** Empties the buffer, keeping its room. */
    public TextBuffer clear() {
        length = 0;
        return this;
    }

    /** The bytes written so far. */
    public int length() {
        return length;
    }

    /** The buffer's array: its first {@link #length()} bytes are the text (valid until the next write). */
    public byte[] array() {
        return bytes;
    }

    private void room(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length + n, 2 * bytes.length));
        }
    }

    /** {@code c}, an ASCII character (any other as {@link #append(char)} writes it). */
    public TextBuffer ch(char c) {
        if (c >= 0x80) {
            return str(String.valueOf(c));
        }
        room(1);
        bytes[length++] = (byte) c;
        return this;
    }

    @Override
    public TextBuffer append(CharSequence s) {
        return str(String.valueOf(s));
    }

    @Override
    public TextBuffer append(CharSequence s, int start, int end) {
        return str(String.valueOf(s).substring(start, end));
    }

    @Override
    public TextBuffer append(char c) {
        return ch(c);
    }

    /** Turns tabs and line breaks from {@code from} on into spaces, so that text from elsewhere stays one cell. */
    public TextBuffer oneCell(int from) {
        for (int i = from; i < length; i++) {
            if (bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r') {
                bytes[i] = ' ';
            }
        }
        return this;
    }

    /** {@code s} in UTF-8 (an unpaired surrogate as {@code ?}, as the JDK's encoder writes it). */
    public TextBuffer str(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] rest = s.substring(i).getBytes(StandardCharsets.UTF_8);
                room(rest.length);
                System.arraycopy(rest, 0, bytes, length, rest.length);
                length += rest.length;
                return this;
            }
            bytes[length++] = (byte) c;
        }
        return this;
    }

    /** The first {@code n} bytes of {@code b}. */
    public TextBuffer bytes(byte[] b, int n) {
        return bytes(b, 0, n);
    }

    /** The {@code n} bytes of {@code b} from {@code off}. */
    public TextBuffer bytes(byte[] b, int off, int n) {
        room(n);
        System.arraycopy(b, off, bytes, length, n);
        length += n;
        return this;
    }

    /** {@code v} in decimal, as {@link Long#toString(long)}. */
    public TextBuffer dec(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return str(Long.toString(v));
            }
            ch('-');
            v = -v;
        }
        if (v <= Integer.MAX_VALUE) {
            return dec((int) v);
        }
        // the last nine digits in int arithmetic, the rest (at least 2) before them
        return dec(v / 1_000_000_000).zeroPadded((int) (v % 1_000_000_000), 9);
    }

    /** {@code v} as unsigned, in decimal, as {@link Integer#toUnsignedString(int)}. */
    public TextBuffer decUnsigned(int v) {
        return dec(v & 0xffff_ffffL);
    }

    /** {@code v}, at least 0, in decimal: int arithmetic, two digits a step (long division is slow). */
    private TextBuffer dec(int v) {
        int digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6
            : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
        room(digits);
        int i = length + digits;
        while (v >= 100) {
            int q = v / 100;
            int r = v - q * 100;
            bytes[--i] = ONES[r];
            bytes[--i] = TENS[r];
            v = q;
        }
        if (v >= 10) {
            bytes[--i] = ONES[v];
            bytes[--i] = TENS[v];
        } else {
            bytes[--i] = (byte) ('0' + v);
        }
        length += digits;
        return this;
    }

    private static final byte[] TENS = new byte[100];
    private static final byte[] ONES = new byte[100];

    static {
        for (int i = 0; i < 100; i++) {
            TENS[i] = (byte) ('0' + i / 10);
            ONES[i] = (byte) ('0' + i % 10);
        }
    }

    /** The low {@code digits} decimal digits of {@code v}, at least 0, zero-padded ({@code %0Nd} of a small value). */
    public TextBuffer zeroPadded(int v, int digits) {
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    /** The low {@code digits} hex digits of {@code v}, lower case, zero-padded. */
    public TextBuffer hex(long v, int digits) {
        room(digits);
        for (int i = digits - 1; i >= 0; i--) {
            bytes[length++] = HEX[(int) (v >>> (4 * i)) & 15];
        }
        return this;
    }

    /** {@code v} in hex, lower case, without leading zeros, as {@link Integer#toHexString(int)} of a value at least 0. */
    public TextBuffer hex(int v) {
        int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(v)) / 4);
        return hex(v, digits);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** The IPv4 address in the four bytes of {@code b} at {@code off}, dotted. */
    public TextBuffer ipv4(byte[] b, int off) {
        return ipv4((b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | b[off + 3] & 0xff);
    }

    /** The IPv4 address {@code a} (its first octet in the high bits), dotted. */
    public TextBuffer ipv4(int a) {
        // room once for the longest: every row and event has two to four of these
        room(15);
        octet(a >>> 24);
        bytes[length++] = '.';
        octet((a >>> 16) & 0xff);
        bytes[length++] = '.';
        octet((a >>> 8) & 0xff);
        bytes[length++] = '.';
        octet(a & 0xff);
        return this;
    }

    /** {@code v}, 0 to 255, in decimal, where there is room for it. */
    private void octet(int v) {
        if (v >= 100) {
            bytes[length++] = (byte) ('0' + v / 100);
            v %= 100;
            bytes[length++] = TENS[v];
            bytes[length++] = ONES[v];
        } else if (v >= 10) {
            bytes[length++] = TENS[v];
            bytes[length++] = ONES[v];
        } else {
            bytes[length++] = (byte) ('0' + v);
        }
    }

    /** Spaces up to length {@code end} (none if the text is that long already). */
    public TextBuffer spacesTo(int end) {
        if (end > length) {
            room(end - length);
            Arrays.fill(bytes, length, end, (byte) ' ');
            length = end;
        }
        return this;
    }

    /** Back to {@code n} bytes, dropping what came after. */
    public void truncate(int n) {
        length = n;
    }

    /** The text, decoded. */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** A copy of the text's bytes. */
    public byte[] copy() {
        return Arrays.copyOf(bytes, length);
    }

    /** Writes the text's bytes to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }
}
