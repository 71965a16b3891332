package org.conntrack4j.rules.nft;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Ruleset text as nft reads it: bytes. nft's scanner takes any byte in a comment or a quoted string and only ASCII
 * elsewhere, so a Latin-1 {@code è} in a comment is fine and the same byte in a rule is junk at its line and column.
 * To keep one text type (a {@code String}) for files, streams and callers' strings, bytes are decoded as UTF-8 where
 * they are valid, and every byte of an invalid sequence becomes the lone surrogate {@code U+DC00 + byte} (as
 * Python's "surrogateescape" does): valid UTF-8 never decodes to a lone surrogate, so the original bytes stay
 * recoverable and the lexer can tell them apart. Columns count bytes, as nft's do.
 */
final class SourceText {
    private static final char RAW_FIRST = '\uDC00';
    private static final char RAW_LAST = '\uDCFF';

    private SourceText() {
    }

    /** The text of {@code data}: UTF-8, with each byte of an invalid sequence held as {@code U+DC00 + byte}. */
    static String decode(byte[] data) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(data);
        CharBuffer out = CharBuffer.allocate(data.length); // a UTF-8 byte never yields more than one char
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isUnderflow()) {
                break;
            }
            for (int i = 0; i < r.length(); i++) {
                out.put((char) (RAW_FIRST + (in.get() & 0xff)));
            }
        }
        dec.flush(out);
        return out.flip().toString();
    }

    /** True when {@code text.charAt(i)} holds a byte that was not UTF-8 (a lone surrogate of the raw range). */
    static boolean isRawByte(CharSequence text, int i) {
        char c = text.charAt(i);
        return c >= RAW_FIRST && c <= RAW_LAST && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
    }

    /** The byte a raw char holds. */
    static int rawByte(char c) {
        return c - RAW_FIRST;
    }

    /** How many bytes of the input {@code text.charAt(i)} stands for: 1 to 4, 0 for the second half of a pair. */
    static int width(CharSequence text, int i) {
        char c = text.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)) ? 4 : 3;
        }
        if (Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1))) {
            return 0;
        }
        return isRawByte(text, i) ? 1 : 3;
    }

    /** Length in bytes of the input {@code s} was read from (what the kernel's length limits count). */
    static int byteLength(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            n += width(s, i);
        }
        return n;
    }
}
