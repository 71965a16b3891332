package org.conntrack4j.rules;

import org.conntrack4j.rules.nft.SourcePos;

/**
 * A parsed ruleset cannot be installed into an engine: a statement needs a plug-in the engine does not have.
 * The message has the form {@code SOURCE:LINE:COLUMN: DETAIL} and names what is missing, for example
 * {@code ruleset.nft:29:3: chain nat_post: "masquerade" needs NAT, which bundle org.conntrack4j.nat provides; it is
 * not installed}.
 */
public final class RulesetInstallException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String sourceName;
    private final int line;
    private final int column;
    private final String detail;

    public RulesetInstallException(String sourceName, int line, int column, String detail) {
        super(sourceName + ":" + line + ":" + column + ": " + detail);
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public RulesetInstallException(SourcePos pos, String detail) {
        this(pos.source(), pos.line(), pos.column(), detail);
    }

    public String sourceName() {
        return sourceName;
    }

    /** 1-based line of the statement or object that cannot be installed. */
    public int line() {
        return line;
    }

    /** 1-based column. */
    public int column() {
        return column;
    }

    /** The message without the {@code SOURCE:LINE:COLUMN: } prefix. */
    public String detail() {
        return detail;
    }
}
