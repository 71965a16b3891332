package org.conntrack4j.jmh;

import java.io.PrintStream;
import org.conntrack4j.bench.Bench;
import org.conntrack4j.bench.BenchOptions;
import org.conntrack4j.bench.EngineSource;

/**
 * The bench command's tables outside OSGi, with engines built as the JMH benchmarks build them (NAT when its
 * classes are on the class path): {@code java -cp jmh/target/benchmarks.jar org.conntrack4j.jmh.BenchMain
 * [options]}. Exit status as the command's.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("bench: " + e.getMessage());
            out.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            out.print(BenchOptions.USAGE);
            return;
        }
        EngineSource nat = Engines.withNat();
        EngineSource engines = nat != null ? nat : Engines.trackers();
        String platform = "engines built outside OSGi (registry with the udp and tcp trackers), NAT "
            + (nat != null ? "from the class path" : "not on the class path");
        System.exit(new Bench(engines, out, platform).run(o));
    }
}
