package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Invalid packets counted per reason: reasons group without their numbers, and their number is bounded. */
class EngineStatsTest {
    private static EngineStats stats() {
        return new EngineStats(() -> 0, () -> 0, Map::of);
    }

    private static String letters(int i) {
        StringBuilder sb = new StringBuilder();
        int n = i;
        do {
            sb.append((char) ('g' + n % 20));
            n /= 20;
        } while (n > 0);
        return sb.toString();
    }

    @Test
    void decimalNumbersAndHexadecimalWordsWithADigitAreLeftOut() {
        EngineStats s = stats();
        s.invalidReason("verification tag check failed 7e8f90a1 vs 81706f5e for dir 0");
        s.invalidReason("verification tag check failed 71809fae vs 4d3c2b1a for dir 1");
        s.invalidReason("SEQ is over upper bound 1000002 (over the window of the receiver)");
        assertEquals(Map.of("verification tag check failed vs for dir", 2L,
            "SEQ is over upper bound (over the window of the receiver)", 1L), s.invalidByReason());
    }

    @Test
    void reasonsBeyondTheLimitAreCountedTogether() {
        EngineStats s = stats();
        // words without a decimal digit stay in the text: every one is a new reason
        for (int i = 0; i < EngineStats.MAX_REASONS + 50; i++) {
            s.invalidReason("verification tag check failed " + letters(i) + " vs 0 for dir 0");
        }
        s.invalidReason("nf_ct_sctp: bad CRC");
        Map<String, Long> m = s.invalidByReason();
        assertEquals(EngineStats.MAX_REASONS + 1, m.size());
        assertEquals(EngineStats.MAX_REASONS + 50 + 1, m.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(51L, m.get(EngineStats.OTHER_REASONS));
    }
}
