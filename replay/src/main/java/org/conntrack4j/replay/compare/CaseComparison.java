package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Scores a replay's output folder against a kernel oracle case, part by part, by the rules of the oracle's
 * compare.py (a faithful port: same normalisation, same renaming of NAT ports the kernel picked at random, same
 * egress window and masking). {@link ComparisonResult#toJson()} prints what {@code compare.py --json} prints.
 *
 * <p>Known differences, all on input compare.py itself would stop on with a Python exception: malformed
 * packets, addresses or ports are scored as not matching instead; a replay capture that is corrupt part-way is
 * scored on the frames before the damage and the egress part is then never complete (its details carry
 * {@code capture_error}).
 */
public final class CaseComparison {
    private CaseComparison() {
    }

    /**
     * Compares {@code outDir} (ctstate.tsv, events.txt, expect-events.txt, table.txt, egress.pcapng or egress.pcap)
     * with the case in {@code caseDir}. Files missing from the output score as empty.
     *
     * @throws IOException when a case file cannot be read (ctstate.tsv is required) or the case's own egress
     *     capture is corrupt ({@link org.conntrack4j.replay.pcap.CaptureFormatException})
     */
    public static ComparisonResult compare(Path caseDir, Path outDir) throws IOException {
        List<PartResult> parts = new ArrayList<>();
        NatPortRenaming renaming = NatPortRenaming.find(caseDir, outDir);

        List<Map<String, String>> kernelRows = TsvRows.read(caseDir.resolve("ctstate.tsv"));
        Path replayTsv = outDir.resolve("ctstate.tsv");
        Map<String, Map<String, String>> replayRows = Files.exists(replayTsv)
                ? VerdictComparison.byIdx(TsvRows.read(replayTsv)) : Collections.emptyMap();
        parts.add(VerdictComparison.verdicts(kernelRows, replayRows));
        addIfPresent(parts, VerdictComparison.reasons(kernelRows, replayRows));

        for (String[] part : new String[][] {{"events", "events.txt"}, {"expect", "expect-events.txt"}}) {
            List<String> kernel = ConntrackLines.readEvents(caseDir.resolve(part[1]));
            if (kernel == null) {
                continue;
            }
            kernel.replaceAll(renaming::rename);
            parts.add(EventComparison.compare(part[0], kernel, orEmpty(ConntrackLines.readEvents(outDir.resolve(part[1])))));
        }

        List<String> table = ConntrackLines.readTable(caseDir.resolve("table.txt"));
        if (table != null) {
            table.replaceAll(renaming::rename);
            table.sort(PyText.CODE_POINT_ORDER);
            parts.add(TableComparison.compare(table, orEmpty(ConntrackLines.readTable(outDir.resolve("table.txt")))));
        }

        // the same table as conntrack -L -o xml,labels, where the case has it (NAT ports are not renamed in it)
        List<String> xml = ConntrackLines.readXmlFlows(caseDir.resolve("table.xml"));
        if (xml != null) {
            parts.add(TableComparison.compare("table_xml", xml,
                    orEmpty(ConntrackLines.readXmlFlows(outDir.resolve("table.xml")))));
        }

        addIfPresent(parts, EgressComparison.compare(caseDir, outDir, renaming, RouterAddresses.read(caseDir)));

        if (!renaming.isEmpty()) {
            parts.add(new PartResult("renamed_nat_ports", renaming.size(), renaming.size(), -1, null,
                    Map.of("map", renaming.describe())));
        }
        return new ComparisonResult(parts);
    }

    private static void addIfPresent(List<PartResult> parts, PartResult part) {
        if (part != null) {
            parts.add(part);
        }
    }

    private static List<String> orEmpty(List<String> lines) {
        return lines == null ? Collections.emptyList() : lines;
    }

    /** Command-line use, like compare.py: {@code CASE_DIR OUT_DIR [--json]}; exit status 0 only when ok. */
    public static void main(String[] args) throws IOException {
        List<String> paths = new ArrayList<>();
        boolean json = false;
        for (String a : args) {
            if (a.startsWith("--")) {
                json |= a.equals("--json");
            } else {
                paths.add(a);
            }
        }
        if (paths.size() != 2) {
            System.err.println("usage: CaseComparison CASE_DIR OUT_DIR [--json]");
            System.exit(2);
        }
        ComparisonResult result = compare(Path.of(paths.get(0)), Path.of(paths.get(1)));
        System.out.print(json ? result.toJson() + "\n" : result.render());
        System.exit(result.ok() ? 0 : 1);
    }
}
