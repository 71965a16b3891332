package org.conntrack4j.replay.compare;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** conntrack -E lines (events, expectation events), normalised, compared in order up to the first difference. */
final class EventComparison {
    private EventComparison() {
    }

    /**
     * @param kernel the case's lines, already normalised and renamed
     * @param replay the replay's normalised lines (empty when it wrote none)
     */
    static PartResult compare(String name, List<String> kernel, List<String> replay) {
        int same = 0;
        while (same < kernel.size() && same < replay.size() && kernel.get(same).equals(replay.get(same))) {
            same++;
        }
        boolean complete = same == kernel.size() && same == replay.size();
        String kernelLine = same < kernel.size() ? kernel.get(same) : null;
        String replayLine = same < replay.size() ? replay.get(same) : null;
        Map<String, Object> mismatch = null;
        String text = null;
        if (!complete) {
            mismatch = new LinkedHashMap<>();
            mismatch.put("kernel", kernelLine);
            mismatch.put("got", replayLine);
            text = "line " + (same + 1) + ": kernel " + (kernelLine == null ? "(none)" : kernelLine) + ", got "
                    + (replayLine == null ? "(none)" : replayLine);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("got", replay.size());
        details.put("first_mismatch", mismatch);
        return new PartResult(name, same, kernel.size(), replay.size(), text, details);
    }
}
