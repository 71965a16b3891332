package org.conntrack4j.replay.json;

/** Text that is not JSON; the message reads {@code [SOURCE: ]line L, column C: WHAT}. */
public final class JsonSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final String problem;

    JsonSyntaxException(String source, int line, int column, String problem) {
        super((source == null ? "" : source + ": ") + "line " + line + ", column " + column + ": " + problem);
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    /** Line of the fault, from 1. */
    public int line() {
        return line;
    }

    /** Column of the fault, from 1, counted in UTF-16 characters. */
    public int column() {
        return column;
    }

    /** What is wrong, without the position. */
    public String problem() {
        return problem;
    }
}
