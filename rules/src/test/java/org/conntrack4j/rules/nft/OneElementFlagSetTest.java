package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A one-element set of ct state / ct status flags is the flags themselves, with the operator kept: nft 1.0.6
 * compiles {@code ct status { assured }} as a bit test and {@code ct status == { assured }} / {@code != { assured }}
 * as comparisons of the whole value ({@code --debug=netlink}).
 */
class OneElementFlagSetTest {
    private static Match match(String m) throws RulesetParseException {
        Ruleset rs = NftParser.parse("t", "table ip t {\n\tchain c {\n\t\t" + m + "\n\t}\n}\n");
        return (Match) rs.tables().get(0).chains().get(0).rules().get(0).elements().get(0);
    }

    @Test
    void aOneElementFlagSetKeepsItsOperator() throws Exception {
        assertEquals(new Match(Selector.CT_STATUS, Op.IMPLICIT, new Operand.Flags(4)), match("ct status { assured }"));
        assertEquals(new Match(Selector.CT_STATUS, Op.EQ, new Operand.Flags(4)), match("ct status == { assured }"));
        assertEquals(new Match(Selector.CT_STATE, Op.NE, new Operand.Flags(8)), match("ct state != { new }"));
        assertEquals(match("ct state new"), match("ct state { new }"));
        assertEquals("ct status == assured", match("ct status == { assured }").toString());
    }
}
