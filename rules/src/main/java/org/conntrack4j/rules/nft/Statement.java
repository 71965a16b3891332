package org.conntrack4j.rules.nft;

/** Something a rule does when all matches before it held. Statements of a rule run in the order written. */
public sealed interface Statement extends RuleElement
        permits VerdictStatement, CounterStatement, LogStatement, NotrackStatement, CtHelperSetStatement,
        CtMarkSetStatement, NatStatement, CtZoneSetStatement, MetaMarkSetStatement, MarkCopyStatement,
        CtLabelSetStatement, CtObjectSetStatement, ConnLimitStatement, SetUpdateStatement, RejectStatement,
        FlowAddStatement {

    /**
     * True for statements that end the rule's evaluation (verdicts and NAT); nft refuses anything after them
     * ("Statement after terminal statement has no effect"), and so does the parser.
     */
    default boolean isTerminal() {
        return false;
    }
}
