package org.conntrack4j.replay.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable line of UTF-8 bytes, built by hand: the replay writes one row per frame, and {@code String.format} or a
 * {@code Writer}'s encoder per row cost more than the conntrack work behind it.
 */
final class Text implements Appendable {
    byte[] bytes;
    int length;

    Text(int capacity) {
        bytes = new byte[capacity];
    }

    Text clear() {
        length = 0;
        return this;
    }

    private void room(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length + n, 2 * bytes.length));
        }
    }

    Text ch(char c) {
        room(1);
        bytes[length++] = (byte) c;
        return this;
    }

    @Override
    public Text append(CharSequence s) {
        return str(String.valueOf(s));
    }

    @Override
    public Text append(CharSequence s, int start, int end) {
        return str(String.valueOf(s).substring(start, end));
    }

    @Override
    public Text append(char c) {
        return c < 0x80 ? ch(c) : str(String.valueOf(c));
    }

    /** Turns tabs and line breaks from {@code from} on into spaces, so that text from elsewhere stays one cell. */
    Text oneCell(int from) {
        for (int i = from; i < length; i++) {
            if (bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r') {
                bytes[i] = ' ';
            }
        }
        return this;
    }

    /** {@code s} in UTF-8 (an unpaired surrogate as {@code ?}, as the JDK's encoder writes it). */
    Text str(String s) {
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
    Text bytes(byte[] b, int n) {
        room(n);
        System.arraycopy(b, 0, bytes, length, n);
        length += n;
        return this;
    }

    /** {@code v} in decimal. */
    Text dec(long v) {
        if (v >= 0 && v <= Integer.MAX_VALUE) {
            return dec((int) v);
        }
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return str(Long.toString(v));
            }
            ch('-');
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    /** {@code v}, at least 0, in decimal: int arithmetic, two digits a step (long division is slow). */
    private Text dec(int v) {
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

    /**
     * Nanoseconds as seconds with six decimals, as {@code "%d.%06d"} of the microseconds' quotient and the absolute
     * value of their remainder (so -0.5 s prints {@code 0.500000}, as the replay always printed it).
     */
    Text seconds(long nanos) {
        long us = nanos / 1000;
        dec(us / 1_000_000);
        ch('.');
        int frac = (int) Math.abs(us % 1_000_000);
        room(6);
        for (int i = length + 5; i >= length; i--) {
            bytes[i] = (byte) ('0' + frac % 10);
            frac /= 10;
        }
        length += 6;
        return this;
    }

    /** The low {@code digits} hex digits of {@code v}, lower case, zero-padded. */
    Text hex(long v, int digits) {
        room(digits);
        for (int i = digits - 1; i >= 0; i--) {
            bytes[length++] = (byte) Character.forDigit((int) (v >>> (4 * i)) & 15, 16);
        }
        return this;
    }

    /** The IPv4 address in the four bytes of {@code b} at {@code off}, dotted. */
    Text ipv4(byte[] b, int off) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                ch('.');
            }
            dec(b[off + i] & 0xff);
        }
        return this;
    }

    /** Back to {@code n} bytes, dropping what came after. */
    void truncate(int n) {
        length = n;
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    byte[] copy() {
        return Arrays.copyOf(bytes, length);
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }
}
