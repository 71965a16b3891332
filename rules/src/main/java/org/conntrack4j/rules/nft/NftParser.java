package org.conntrack4j.rules.nft;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Parses the nftables ruleset subset of conntrack4j into a {@link Ruleset}.
 *
 * <p>The input is what {@code nft -f} reads and {@code nft list ruleset} prints: {@code table} blocks with chains,
 * rules and {@code ct helper} objects. Everything outside the supported subset, every syntax error and the load-time
 * checks nft and the kernel make that matter here (jump targets, loops, NAT placement, helper references, ...)
 * raise a {@link RulesetParseException} naming the source, line and column. Nothing is skipped silently.
 *
 * <p>Limits keep hostile input harmless: at most {@link #MAX_SOURCE_CHARS} characters, sets nested at most
 * {@link #MAX_SET_DEPTH} deep, at most {@link #MAX_SET_ELEMENTS} elements per set and {@link #MAX_RULE_ELEMENTS}
 * matches and statements per rule. The parser never recurses except into nested sets.
 *
 * <p>Thread-safe: every call works on its own state.
 */
public final class NftParser {

    /** Largest accepted input, in characters (and, for byte input, in bytes). */
    public static final int MAX_SOURCE_CHARS = 8 * 1024 * 1024;
    /** Deepest accepted nesting of anonymous sets ({@code { 1, { 2, { 3 } } }}). */
    public static final int MAX_SET_DEPTH = 16;
    /** Most elements accepted in one anonymous set. */
    public static final int MAX_SET_ELEMENTS = 65536;
    /** Most matches and statements accepted in one rule. */
    public static final int MAX_RULE_ELEMENTS = 1024;

    private NftParser() {
    }

    /**
     * Parses ruleset text. A char {@code U+DC00 + b} not paired with a high surrogate stands for a byte {@code b}
     * that was not UTF-8 (see {@link #read}): accepted in comments and strings, an error elsewhere.
     *
     * @param sourceName name used in error messages, e.g. the file name
     * @param text the ruleset
     */
    public static Ruleset parse(String sourceName, String text) throws RulesetParseException {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(text, "text");
        if (text.length() > MAX_SOURCE_CHARS) {
            throw new RulesetParseException(sourceName, 1, 1,
                    "input too large: " + text.length() + " characters (limit " + MAX_SOURCE_CHARS + ")");
        }
        return new Evaluator(sourceName).evaluate(new Grammar(sourceName, text).parseFile());
    }

    /**
     * Reads and parses a rules file, as bytes the way nft reads it (see {@link #read}); errors name the file as
     * given.
     */
    public static Ruleset parse(Path file) throws IOException, RulesetParseException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(file.toString(), in);
        }
    }

    /** Reads at most {@link #MAX_SOURCE_CHARS} bytes from {@code in} and parses them, as {@link #parse(Path)}. */
    public static Ruleset parse(String sourceName, InputStream in) throws IOException, RulesetParseException {
        Objects.requireNonNull(sourceName, "sourceName");
        byte[] data = in.readNBytes(MAX_SOURCE_CHARS + 1);
        if (data.length > MAX_SOURCE_CHARS) {
            throw new RulesetParseException(sourceName, 1, 1,
                    "input too large: more than " + MAX_SOURCE_CHARS + " bytes");
        }
        return parse(sourceName, SourceText.decode(data));
    }

    /**
     * Reads a rules file into the text {@link #parse(String, String)} takes, as nft reads it: bytes. Comments and
     * quoted strings may hold any byte; the parser reports a byte that is not UTF-8 anywhere else at its line and
     * column. UTF-8 is decoded; each byte of an invalid sequence is held as the char {@code U+DC00 + byte} (a lone
     * surrogate, which valid UTF-8 never gives), so it reaches comments, log prefixes and other strings of the
     * {@link Ruleset} unchanged.
     *
     * @throws IOException when the file cannot be read or holds more than {@link #MAX_SOURCE_CHARS} bytes
     * @since 1.1
     */
    public static String read(Path file) throws IOException {
        byte[] data;
        try (InputStream in = Files.newInputStream(file)) {
            data = in.readNBytes(MAX_SOURCE_CHARS + 1);
        }
        if (data.length > MAX_SOURCE_CHARS) {
            throw new IOException("input too large: more than " + MAX_SOURCE_CHARS + " bytes");
        }
        return SourceText.decode(data);
    }
}
