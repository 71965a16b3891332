#!/usr/bin/env python3
"""conntrack4j's bench beside Open vSwitch's userspace conntrack (its `ovstest test-conntrack`), interleaved.

For each pair, every workload runs first under OVS, then under each of our variants, so that both see the same
machine at nearly the same moment (these machines are shared). The headline figure is whole-process CPU from the
operating system's accounting (/usr/bin/time: user + system of every thread), taken as a slope: the same command at
two sizes, CPU difference over work difference, so that start-up, the JVM's warm-up and set-up cancel. Workload B's
phases are given too: OVS's own thread-CPU table (its -cpu build; single-threaded C, so its thread is its process)
beside our bench's process-CPU figure per phase. Ratios are OVS / ours (above 1: we are faster); medians with
min-max over the pairs, and the load average before each pair.

    tools/bench-vs-ovs.py --peer DIR [--pairs 3] [--out report.md] [--ours NAME=JAVA_OPTS[@JAVA_HOME][#LAUNCHER] ...]
                          [--workloads A1,A2,B10k,B100k,B1M] [--scale F]

DIR holds ovstest-3.7.1 and ovstest-3.7.1-cpu (BENCH.md). --ours may be repeated to compare JVM settings in the same
run, e.g. --ours g1=-XX:+UseG1GC --ours parallel=-XX:+UseParallelGC --ours jdk25=@/usr/lib/jvm/temurin-25-jdk-amd64,
or builds (#LAUNCHER: another tree's bin/conntrack4j, e.g. before and after a change: --ours before#/tmp/a/bin/conntrack4j);
without it, one variant "conntrack4j" with the launcher's own choices. The launcher is ./conntrack4j beside this
tools/ folder (--launcher to change it). Python 3 standard library only.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NUM = r"([-\d.]+) \[([-\d.]+)-([-\d.]+)\]"

# workload -> (kind, args): A: threads, packets at the two sizes; B: connections, iterations at the two sizes
WORKLOADS = {
    "A1": ("A", 1, (2_000_000, 22_000_000)),
    "A2": ("A", 2, (2_000_000, 22_000_000)),
    "B10k": ("B", 10_000, (20, 420)),
    "B100k": ("B", 100_000, (5, 45)),
    "B1M": ("B", 1_000_000, (2, 6)),
}
PHASES = ["commit (new conn)", "lookup (no commit)", "flush full zone"]
OVS_PHASE_COLUMN = {"commit (new conn)": 0, "lookup (no commit)": 1, "flush full zone": 2, "flush empty zone": 3}


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (stdout, cpu seconds, wall seconds, max RSS KB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd
        p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        if p.returncode != 0:
            raise SystemExit("failed (%d): %s\n%s\n%s" % (p.returncode, " ".join(cmd), p.stdout[-2000:],
                                                          p.stderr[-2000:]))
        e, u, s, m = tf.read().split()[-4:]
        return p.stdout, float(u) + float(s), float(e), int(m)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Ovs:
    name = "OVS"

    def __init__(self, peer):
        self.stock = os.path.join(peer, "ovstest-3.7.1")
        self.cpu = os.path.join(peer, "ovstest-3.7.1-cpu")
        for b in (self.stock, self.cpu):
            if not os.access(b, os.X_OK):
                raise SystemExit("no executable " + b)

    def a(self, threads, packets):
        out, cpu, wall, rss = timed([self.stock, "test-conntrack", "benchmark", str(threads), str(packets), "32"])
        return {"cpu": cpu, "rss": rss}

    def b(self, conns, iterations):
        out, cpu, wall, rss = timed([self.cpu, "test-conntrack", "benchmark-zones", str(conns), "2", str(iterations)])
        m = re.search(r"^\| Min\s*\|(.*)$", out, re.M)
        if not m:
            raise SystemExit("OVS printed no Min row:\n" + out)
        us = [float(x.strip().split()[0]) for x in m.group(1).split("|") if x.strip()]
        r = {"cpu": cpu, "rss": rss, "empty_us": us[3]}
        for ph in PHASES:
            r[ph] = us[OVS_PHASE_COLUMN[ph]] * 1000 / conns
        return r


class Ours:
    def __init__(self, name, java_opts, java_home, launcher):
        self.name = name
        self.launcher = launcher
        self.env = dict(os.environ)
        if java_opts is not None:
            self.env["JAVA_OPTS"] = java_opts
        if java_home:
            self.env["JAVA_HOME"] = java_home

    def bench(self, args):
        return timed([self.launcher, "bench"] + args, self.env)

    def a(self, threads, packets):
        out, cpu, wall, rss = self.bench(["--workload", "A", "--threads", str(threads), "--batch", "32", "--runs", "1",
                                          "--packets", str(packets), "--warmup", "1000000"])
        row = re.search(r"^\s+%d\s+32\s+%s\s+%s\s+%s" % (threads, NUM, NUM, NUM), out, re.M)
        if not row or "all checks passed" not in out:
            raise SystemExit("our workload A failed:\n" + out)
        return {"cpu": cpu, "rss": rss, "inproc": float(row.group(4)), "thread": float(row.group(7)),
                "header": out.splitlines()[0:2]}

    def b(self, conns, iterations):
        out, cpu, wall, rss = self.bench(["--workload", "B", "--conns", str(conns), "--iterations", str(iterations),
                                          "--runs", "1", "--warmup", "2", "--threads", "1"])
        if "all checks passed" not in out:
            raise SystemExit("our workload B failed:\n" + out)
        r = {"cpu": cpu, "rss": rss, "header": out.splitlines()[0:2]}
        for ph in PHASES:
            m = re.search(r"^\s+%s\s+%s\s+%s" % (re.escape(ph), NUM, NUM), out, re.M)
            r[ph] = float(m.group(1))
            r[ph + " thread"] = float(m.group(4))
        r["empty_us"] = float(re.search(r"empty zone flushed in " + NUM, out).group(1))
        lat = re.search(r"p50 ([\d.]+) .*p99 ([\d.]+) .*p999 ([\d.]+) ", out)
        r["latency"] = "p50 %s, p99 %s, p999 %s ns" % lat.groups()
        return r


def measure(tool, workload):
    kind, size, (n1, n2) = WORKLOADS[workload]
    if kind == "A":
        r1 = tool.a(size, n1)
        r2 = tool.a(size, n2)
        r2["slope"] = (r2["cpu"] - r1["cpu"]) * 1e9 / ((n2 - n1) * size)
    else:
        r1 = tool.b(size, n1)
        r2 = tool.b(size, n2)
        r2["slope"] = (r2["cpu"] - r1["cpu"]) * 1e9 / ((n2 - n1) * size)
        r2["rss_small"] = r1["rss"]
    return r2


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return "%.2f [%.2f-%.2f]" % (statistics.median(values), min(values), max(values))


def fig(values):
    return "%.0f [%.0f-%.0f]" % (statistics.median(values), min(values), max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", required=True, help="folder of ovstest-3.7.1 and ovstest-3.7.1-cpu")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--out", help="Markdown report (also printed)")
    ap.add_argument("--ours", action="append", default=[],
                    help="NAME=JAVA_OPTS[@JAVA_HOME][#LAUNCHER], repeatable")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the sizes (A packets, B iterations)")
    ap.add_argument("--launcher", default=os.path.join(HERE, "..", "conntrack4j"))
    a = ap.parse_args()
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            raise SystemExit("unknown workload %s (%s)" % (w, ", ".join(WORKLOADS)))
        kind, size, (n1, n2) = WORKLOADS[w]
        if kind == "A":
            WORKLOADS[w] = (kind, size, (int(n1 * a.scale), int(n2 * a.scale)))
        else:
            WORKLOADS[w] = (kind, size, (max(1, int(n1 * a.scale)), max(2, int(n2 * a.scale))))
    ours = []
    for spec in a.ours or ["conntrack4j"]:
        spec, _, launcher = spec.partition("#")
        name, _, rest = spec.partition("=")
        opts, _, home = rest.partition("@")
        ours.append(Ours(name, opts if "=" in spec else None, home or None, launcher or a.launcher))
    ovs = Ovs(a.peer)
    # results[workload][tool name] = list of per-pair dicts
    results = {w: {t.name: [] for t in [ovs] + ours} for w in workloads}
    loads = []
    headers = {}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for pair in range(a.pairs):
        loads.append(load())
        for w in workloads:
            for t in [ovs] + ours:
                r = measure(t, w)
                results[w][t.name].append(r)
                if "header" in r:
                    headers[t.name] = r["header"]
                print("pair %d %-6s %-12s whole-process %.1f ns/op" % (pair + 1, w, t.name, r["slope"]), flush=True)
    loads.append(load())

    lines = ["# conntrack4j beside OVS v3.7.1 userspace conntrack", "",
             "Measured %s, %d interleaved pairs (OVS, then %s, for every workload in turn); load average before each "
             "pair and at the end: %s." % (started, a.pairs, ", ".join(t.name for t in ours), "; ".join(loads)), ""]
    for t in ours:
        if t.name in headers:
            lines.append("- %s: %s" % (t.name, " / ".join(h.strip() for h in headers[t.name])))
    lines += ["", "Whole-process CPU (user + system of every thread, /usr/bin/time), slope between two sizes, ns per "
              "packet (A) or per iteration and connection (B, all four phases). Ratio = OVS / ours, median "
              "[min-max] over pairs.", ""]
    head = "| workload | OVS | " + " | ".join("%s | ratio" % t.name for t in ours) + " |"
    lines += [head, "|" + "---|" * (2 + 2 * len(ours))]
    for w in workloads:
        o = [r["slope"] for r in results[w]["OVS"]]
        row = "| %s | %s |" % (w, fig(o))
        for t in ours:
            u = [r["slope"] for r in results[w][t.name]]
            row += " %s | %s |" % (fig(u), summary([x / y for x, y in zip(o, u)]))
        lines.append(row)
    bw = [w for w in workloads if WORKLOADS[w][0] == "B"]
    if bw:
        lines += ["", "Workload B by phase, ns per connection: OVS's thread CPU (best iteration, its -cpu build) beside "
                  "our process CPU (every thread, averaged over the iterations; our thread's best iteration in "
                  "parentheses). Ratio = OVS / our process CPU.", ""]
        lines += [head.replace("workload", "workload, phase"), "|" + "---|" * (2 + 2 * len(ours))]
        for w in bw:
            for ph in PHASES:
                o = [r[ph] for r in results[w]["OVS"]]
                row = "| %s %s | %s |" % (w, ph, fig(o))
                for t in ours:
                    u = [r[ph] for r in results[w][t.name]]
                    th = [r[ph + " thread"] for r in results[w][t.name]]
                    row += " %s (%.0f) | %s |" % (fig(u), statistics.median(th), summary([x / y for x, y in zip(o, u)]))
                lines.append(row)
            o = [r["empty_us"] for r in results[w]["OVS"]]
            row = "| %s flush of the empty zone, us | %s |" % (w, fig(o))
            for t in ours:
                u = [r["empty_us"] for r in results[w][t.name]]
                row += " %s | %s |" % (fig(u), summary([x / max(y, 1e-3) for x, y in zip(o, u)]))
            lines.append(row)
        lines += ["", "Max RSS (MB) of the smaller B run, and our new-connection latency (wall, one timed pass):", ""]
        for w in bw:
            o = [r["rss_small"] / 1024 for r in results[w]["OVS"]]
            parts = ["OVS %.0f" % statistics.median(o)]
            for t in ours:
                u = [r["rss_small"] / 1024 for r in results[w][t.name]]
                parts.append("%s %.0f (%s)" % (t.name, statistics.median(u), results[w][t.name][-1]["latency"]))
            lines.append("- %s: %s" % (w, "; ".join(parts)))
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
