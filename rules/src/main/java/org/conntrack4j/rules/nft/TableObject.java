package org.conntrack4j.rules.nft;

/**
 * A stateful object declared in a table ({@code ct helper}, {@code ct timeout}, {@code ct expectation}, {@code flowtable}), referenced
 * by name from rules. A table lists its objects in the order declared, as nft lists them.
 *
 * @since 1.2
 */
public sealed interface TableObject permits CtHelperObject, CtTimeoutObject, CtExpectationObject, FlowtableObject {
    /** The object's name, unique among the table's objects of its kind. */
    String name();

    /** Where it was declared. */
    SourcePos position();

    /** Appends the object as {@code nft list ruleset} prints it, each line indented by {@code indent}. */
    void format(StringBuilder sb, String indent);

    /** The object as nft lists it, unindented: the {@code toString} of every object. */
    static String text(TableObject o) {
        StringBuilder sb = new StringBuilder();
        o.format(sb, "");
        return sb.toString();
    }
}
