package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/**
 * The log statement as nft 1.0.6 takes it (issue 14 D6). Each case was loaded with {@code nft -f} into a network
 * namespace on Linux 6.18 and listed back, or refused: the listing nft printed, or nft's message and position.
 */
class LogOptionsTest {

    /** The statement as listed after parsing {@code statement} in a filter chain. */
    private static String listed(String statement) throws RulesetParseException {
        Ruleset rs = NftParser.parse("log.nft", ErrorPositionTest.filterChain(statement));
        return rs.tables().get(0).chains().get(0).rules().get(0).toString();
    }

    private static void refused(String statement, int column, String fragment) {
        ErrorPositionTest.assertError(ErrorPositionTest.filterChain(statement), 4, column, fragment);
    }

    @Test
    void everyLevelNftKnows() throws Exception {
        for (String level : new String[] {"emerg", "alert", "crit", "err", "notice", "info", "debug", "audit"}) {
            assertEquals("log level " + level, listed("log level " + level));
        }
        assertEquals("log", listed("log level warn"), "warn is the default and is not listed");
        refused("log level warning", 11, "unknown log level \"warning\""); // nft: invalid log level
        refused("log level error", 11, "unknown log level \"error\"");
        refused("log level AUDIT", 11, "unknown log level \"AUDIT\"");
        refused("log level 3", 11, "unknown log level \"3\""); // nft: syntax error, a number is no level
    }

    @Test
    void optionsMayRepeatAndTheLastCounts() throws Exception {
        assertEquals("log prefix \"b\"", listed("log prefix \"a\" prefix \"b\""));
        assertEquals("log prefix \"b\" group 3", listed("log prefix \"a\" group 2 prefix \"b\" group 3"));
        assertEquals("log level info", listed("log level warn level info"));
        assertEquals("log", listed("log level info level warn"));
        assertEquals("log level audit", listed("log level audit level audit"));
        // audit overridden by a later level is no audit statement
        assertEquals("log prefix \"x\"", listed("log level audit level warn prefix \"x\""));
        assertEquals("log prefix \"x\"", listed("log prefix \"x\" level audit level warn"));
    }

    @Test
    void listedInNftsOrder() throws Exception {
        assertEquals("log prefix \"x\" group 1", listed("log group 1 prefix \"x\""));
        assertEquals("log prefix \"p\" level debug", listed("log level debug prefix \"p\""));
        assertEquals("log prefix \"foo\"", listed("log prefix foo"));
        assertEquals("log prefix \"\"", listed("log prefix \"\""));
        assertEquals("log group 16", listed("log group 0x10"));
        assertEquals("log prefix \"a b\" level emerg", listed("log prefix \"a b\" level emerg"));
    }

    @Test
    void levelAuditTakesNoFurtherOption() {
        // issue 14 D6: accepted before, refused by nft
        refused("log level audit prefix \"foo\"", 1, "log level audit doesn't support any further options");
        refused("log prefix \"foo\" level audit", 1, "log level audit doesn't support any further options");
        refused("log level audit prefix \"\"", 1, "log level audit doesn't support any further options");
        refused("log flags all level audit", 1, "log level audit doesn't support any further options");
        // with a group, nft's first complaint is the level
        refused("log level audit group 1", 1, "log level and group are mutually exclusive");
        refused("log group 1 level audit", 1, "log level and group are mutually exclusive");
        refused("log level audit snaplen 1", 1, "log level and group are mutually exclusive");
    }

    @Test
    void nflogOptionsExcludeLevelAndFlags() {
        refused("log group 1 level warn", 1, "log level and group are mutually exclusive");
        refused("log level info level warn group 1", 1, "log level and group are mutually exclusive");
        refused("log snaplen 10 level warn", 1, "log level and group are mutually exclusive");
        refused("log group 1 flags all", 1, "log flags and group are mutually exclusive");
        refused("log queue-threshold 2 flags all", 1, "log flags and group are mutually exclusive");
        refused("log flags all snaplen 3", 1, "log flags and group are mutually exclusive");
    }

    @Test
    void optionsOutsideTheSubsetAreRefusedWhereNftTakesThem() {
        // nft loads each of these; the subset has no nflog snapshot length, queue threshold or log flags
        refused("log snaplen 10", 5, "log option \"snaplen\" is not supported");
        refused("log queue-threshold 5", 5, "log option \"queue-threshold\" is not supported");
        refused("log group 1 snaplen 10", 13, "log option \"snaplen\" is not supported");
        refused("log prefix \"x\" flags tcp sequence,options", 16, "log option \"flags\" is not supported");
        refused("log flags ip options", 5, "log option \"flags\" is not supported");
        refused("log flags skuid flags ether", 5, "log option \"flags\" is not supported");
        // ... and refused at the same place as nft where nft's grammar refuses them
        refused("log flags foo", 11, "unknown log flags \"foo\"");
        refused("log flags tcp", 14, "expected sequence or options after \"log flags tcp\", found end of line");
        refused("log flags tcp seq", 15, "expected sequence or options");
        refused("log flags tcp sequence,", 24, "expected sequence or options");
        refused("log flags ip option", 14, "expected options after \"log flags ip\"");
        refused("log snaplen x", 13, "expected a number after \"snaplen\"");
    }

    @Test
    void groupNumbers() {
        // nft 1.0.6 keeps the low 16 bits without a word (it lists "log group 0" and "log group 4464")
        refused("log group 65536", 11, "log group \"65536\" out of range (0-65535; nft 1.0.6 would silently use"
                + " group 0)");
        refused("log group 70000", 11, "would silently use group 4464");
        refused("log group 99999999999999999999", 11, "log group \"99999999999999999999\" out of range (0-65535)");
        refused("log group 010", 11, "leading zero"); // nft: octal, group 8
        refused("log group x", 11, "expected a group number after \"group\", found \"x\"");
    }

    @Test
    void prefixLengthIsTheKernelsLimit() throws Exception {
        assertEquals("log prefix \"" + "x".repeat(127) + "\"", listed("log prefix \"" + "x".repeat(127) + "\""));
        // nft: "Could not process rule: Numerical result out of range" from the kernel
        refused("log prefix \"" + "x".repeat(128) + "\"", 12, "log prefix longer than 127 bytes");
    }

    @Test
    void theModelRefusesWhatNftRefuses() {
        assertThrows(IllegalArgumentException.class,
                () -> new LogStatement(Optional.of("x"), OptionalInt.empty(), LogStatement.Level.AUDIT));
        assertThrows(IllegalArgumentException.class,
                () -> new LogStatement(Optional.empty(), OptionalInt.of(1), LogStatement.Level.AUDIT));
        assertTrue(new LogStatement(Optional.empty(), OptionalInt.empty(), LogStatement.Level.AUDIT).toString()
                .endsWith("level audit"));
    }
}
