package org.conntrack4j.rules.nft;

/**
 * A ruleset text could not be turned into a {@link Ruleset}: a syntax error, something outside the supported
 * nftables subset, or a semantic error the kernel/nft would refuse at load time.
 *
 * <p>The message always has the form {@code SOURCE:LINE:COLUMN: DETAIL}, for example
 * {@code ruleset.nft:7:23: unsupported statement "queue" (supported: accept, drop, ...)}. Lines and columns are
 * 1-based; a column counts the bytes of its line as nft reads them (UTF-8, a tab is one column), as nft does.
 */
public final class RulesetParseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String sourceName;
    private final int line;
    private final int column;
    private final String detail;

    public RulesetParseException(String sourceName, int line, int column, String detail) {
        super(sourceName + ":" + line + ":" + column + ": " + detail);
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public RulesetParseException(SourcePos pos, String detail) {
        this(pos.source(), pos.line(), pos.column(), detail);
    }

    /** File name or other name given to the parser for the text. */
    public String sourceName() {
        return sourceName;
    }

    /** 1-based line of the offending token. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending token. */
    public int column() {
        return column;
    }

    /** The message without the {@code SOURCE:LINE:COLUMN: } prefix. */
    public String detail() {
        return detail;
    }
}
