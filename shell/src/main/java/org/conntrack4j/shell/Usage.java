package org.conntrack4j.shell;

/** The distribution's command-line help. */
final class Usage {
    static final String TEXT = String.join("\n",
        "usage: conntrack4j                      interactive shell (Gogo; 'help' lists the commands)",
        "       conntrack4j replay CASE_DIR --out OUT_DIR [--quiet] [--check]",
        "       conntrack4j replay --pcap FILE --rules FILE --iface NAME,MAC,PEER_MAC,ADDR[,ADDR...] ... --out OUT_DIR",
        "       conntrack4j bench [--quick] [--workload A|B|C|R|replay|all]",
        "                                        the benchmarks ('bench --help'; README.md, Benchmarks)",
        "       conntrack4j soak [--minutes N] [--conns PER_SECOND]   churning traffic through the router, a row a minute",
        "       conntrack4j router --iface NAME=DEV,ADDR/PREFIX[,...] ... --rules RULESET.nft [--instance NAME]",
        "                                        the live router on Linux devices, until SIGINT/SIGTERM",
        "       conntrack4j [--instance NAME] ct:list | ct:events | ct:stats | ct:sysctl ... | nft:load FILE | router:stats",
        "                                        act on the running router (see 'help' in the shell)",
        "");

    private Usage() {
    }
}
