package org.conntrack4j.replay.compare;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * conntrack -E lines (events, expectation events), normalised, compared in order up to the first difference.
 *
 * <p>Tick noise: Linux sets a timeout in one jiffy and prints it a few microseconds later; when a tick falls in
 * between, the event shows one second less. No replay can know that, so a line that differs from the replay's only
 * by a timeout one second short counts as agreeing (compare.py's tick_late), as long as such lines are at most 1%
 * of the kernel's events (at least one); beyond that they count as disagreeing.
 */
final class EventComparison {
    private EventComparison() {
    }

    /**
     * @param kernel the case's lines, already normalised and renamed
     * @param replay the replay's normalised lines (empty when it wrote none)
     */
    static PartResult compare(String name, List<String> kernel, List<String> replay) {
        int same = 0;
        int ticks = 0;
        while (same < kernel.size() && same < replay.size()) {
            String a = kernel.get(same);
            String b = replay.get(same);
            if (!a.equals(b)) {
                if (!tickLate(a, b)) {
                    break;
                }
                ticks++;
            }
            same++;
        }
        boolean complete = same == kernel.size() && same == replay.size();
        String kernelLine = same < kernel.size() ? kernel.get(same) : null;
        String replayLine = same < replay.size() ? replay.get(same) : null;
        Object mismatch = null;
        String text = null;
        if (!complete) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", kernelLine);
            m.put("got", replayLine);
            mismatch = m;
            text = "line " + (same + 1) + ": kernel " + (kernelLine == null ? "(none)" : kernelLine) + ", got "
                    + (replayLine == null ? "(none)" : replayLine);
        }
        int agree = same;
        if (ticks > Math.max(1, kernel.size() / 100)) {
            agree = same - ticks;
            text = ticks + " events print one second less than the replay's: more than tick noise";
            mismatch = text;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("got", replay.size());
        details.put("first_mismatch", mismatch);
        if (ticks > 0) {
            details.put("tick_late", ticks);
        }
        return new PartResult(name, agree, kernel.size(), replay.size(), text, details);
    }

    /** The two lines differ only in their sixth word, a number, the kernel's one less than the replay's. */
    static boolean tickLate(String kernel, String got) {
        String[] a = PyText.words(kernel);
        String[] b = PyText.words(got);
        if (a.length != b.length || a.length < 6) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (i != 5 && !a[i].equals(b[i])) {
                return false;
            }
        }
        if (a[5].equals(b[5]) || !isDigits(a[5]) || !isDigits(b[5])) {
            return false;
        }
        return number(a[5]).equals(number(b[5]).subtract(BigInteger.ONE));
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
    }

    private static BigInteger number(String digits) {
        StringBuilder sb = new StringBuilder(digits.length());
        digits.codePoints().forEach(c -> sb.append(Character.digit(c, 10)));
        return new BigInteger(sb.toString());
    }
}
