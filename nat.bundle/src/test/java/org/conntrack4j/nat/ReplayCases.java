package org.conntrack4j.nat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.conntrack4j.replay.compare.CaseComparison;
import org.conntrack4j.replay.compare.ComparisonResult;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.testkit.TestData;

/**
 * By hand: replays kernel cases through the test harness into {@code OUT/NAME} and prints the comparison, e.g.
 * {@code ReplayCases /tmp/out frag_udp ftp_active_snat}. Not a test.
 */
public final class ReplayCases {
    private ReplayCases() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        for (int i = 1; i < args.length; i++) {
            Path dir = TestData.oracleCases().resolve(args[i]);
            Path o = out.resolve(args[i]);
            Files.createDirectories(o);
            Replay.run(CaseSpec.load(dir), o, new NatLab().engines(), NatLab::installForReplay, null);
            ComparisonResult r = CaseComparison.compare(dir, o);
            System.out.println("== " + args[i] + (r.ok() ? " (agrees)" : ""));
            System.out.print(r.render());
        }
    }
}
